"""The run summary a user reads at the end of a run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from shortage_radar.report.summary import RunSummary, format_summary, one_line

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


def test_risk_lines_show_top_warnings_in_words_and_orders_per_supplier() -> None:
    import duckdb

    from shortage_radar.report.summary import risk_lines

    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute(
        "CREATE TABLE core.shortage_warnings AS SELECT * FROM (VALUES "
        "(2, 'B', 'main', 'high', 0.75, DATE '2026-06-03', 4.0, 40.0, 'continuing', "
        "['supplier_late']),"
        "(1, 'A', 'main', 'critical', 0.95, DATE '2026-06-02', 10.0, 1234.5, 'new', "
        "['demand_surge', 'no_open_supply']),"
        "(NULL, 'C', 'main', 'low', 0.2, NULL, 1.0, 1.0, 'resolved', [])) "
        "t(risk_rank, sku, location, severity, stockout_probability, expected_stockout_date, "
        "expected_units_short, value_at_risk, status, reasons)"
    )
    con.execute(
        "CREATE TABLE core.reorder_suggestions AS SELECT * FROM (VALUES "
        "('S1', 'order', 10.0, DATE '2026-06-01'), ('S1', 'order', 5.0, DATE '2026-06-01'), "
        "('S2', 'expedite', 7.0, DATE '2026-06-01')) "
        "t(supplier_id, action, order_quantity, order_by_date)"
    )
    text = "\n".join(risk_lines(con))
    assert text.index(" A ") < text.index(" B ")  # rank 1 first; the resolved C is not listed
    assert " C " not in text
    assert "demand surge, nothing on order" in text and "95%" in text and "1,234" in text
    assert "order suggestions: 2 lines" in text
    assert "S1            2     15  2026-06-01" in text
    assert "PO lines to expedite: 1" in text


def test_one_line_result_counts_rows_and_the_severe_warnings() -> None:
    counts = {"warnings": 5, "critical": 2, "high": 0, "medium": 3, "low": 0, "orders": 4}
    s = RunSummary(7, date(2026, 6, 1), Path("wh"), TOTALS, ["runs"], counts=counts)
    assert one_line(s) == (
        "run 7 for as-of 2026-06-01: succeeded; 121 rows loaded, 2 quarantined, "
        "1 files rejected; 5 shortage warnings (2 critical); 4 order suggestions; "
        "results: wh/analytics.duckdb"
    )
