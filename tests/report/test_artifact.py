"""The Prefect artifact's markdown: the top warnings and a link to the report."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shortage_radar.report.artifact import artifact_markdown
from shortage_radar.report.read import ReportData


def test_top_warnings_linked_to_the_report(data: ReportData, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    md = artifact_markdown(data.warnings, page, top=1).splitlines()
    assert md[0].startswith(f"**Buyers' report**: [index.html]({page.as_uri()})")
    assert md[2] == "Top 1 of 2 shortage warnings, rank 1 first:"
    assert md[6] == (
        "| 1 | A | main | critical | 95% | Thu 4 Jun 2026 | 20 | demand surge, supplier late |"
    )
    assert len(md) == 7


def test_markup_and_column_breaks_from_data_are_neutralised(
    data: ReportData, tmp_path: Path
) -> None:
    w = data.warnings.with_columns(sku=pl.lit("a|b<img src=x>"))
    md = artifact_markdown(w, tmp_path / "index.html", top=1)
    assert "a\\|b&lt;img src=x&gt;" in md and "<img" not in md


def test_no_warnings(data: ReportData, tmp_path: Path) -> None:
    md = artifact_markdown(data.warnings.clear(), tmp_path / "index.html", top=10)
    assert md.endswith("No shortage warnings today.")
