"""The run summary a user reads at the end of a run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shortage_radar.report.summary import RunSummary, format_summary

TOTALS = [
    {
        "feed": "items",
        "files": 1,
        "skipped": 0,
        "rejected": 0,
        "rows_read": 3,
        "rows_loaded": 3,
        "rows_quarantined": 0,
    },
    {
        "feed": "sales",
        "files": 2,
        "skipped": 0,
        "rejected": 1,
        "rows_read": 120,
        "rows_loaded": 118,
        "rows_quarantined": 2,
    },
]


def test_summary_counts_per_feed_and_points_at_the_quarantine() -> None:
    text = format_summary(RunSummary(7, date(2026, 6, 1), Path("wh"), TOTALS, ["runs"]))
    lines = text.splitlines()
    assert lines[0] == "run 7 for as-of 2026-06-01: succeeded"
    assert lines[2].split() == [
        "feed",
        "files",
        "skipped",
        "rejected",
        "rows",
        "read",
        "loaded",
        "quarantined",
    ]
    assert lines[4].split() == ["sales", "2", "0", "1", "120", "118", "2"]
    assert "2 quarantined rows and 1 rejected files" in text
    assert "WHERE run_id = 7" in text


def test_clean_run_says_nothing_about_quarantine() -> None:
    text = format_summary(RunSummary(1, date(2026, 6, 1), Path("wh"), TOTALS[:1], ["runs"]))
    assert "look next" not in text
