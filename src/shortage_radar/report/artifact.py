"""The Prefect artifact of a run: its top warnings in markdown, linking to the report."""

from __future__ import annotations

from html import escape
from pathlib import Path

import polars as pl

from shortage_radar.report.html import day, money, percent
from shortage_radar.report.summary import REASON_WORDS


def _cell(v: object) -> str:
    """Text for a markdown table cell: no HTML, no column break, no line break."""
    return escape(str(v)).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def artifact_markdown(warnings: pl.DataFrame, page: Path, top: int) -> str:
    """Markdown of the top `top` current warnings (rank, sku, location, severity, chance,
    run-out date, money at risk, why) and a link to the report page at `page`.

    In: shortage_warnings rows (risk_rank, sku, location, severity, stockout_probability,
    expected_stockout_date, value_at_risk, reasons, status), resolved ones left out here.
    """
    current = warnings.filter(pl.col("status") != "resolved").sort("risk_rank").head(top)
    out = [
        f"**Buyers' report**: [{_cell(page.name)}]({page.resolve().as_uri()}) "
        f"(`{_cell(page.resolve())}`)",
        "",
    ]
    if current.is_empty():
        return "\n".join([*out, "No shortage warnings today."])
    out += [
        f"Top {current.height} of {warnings.filter(pl.col('status') != 'resolved').height} "
        "shortage warnings, rank 1 first:",
        "",
        "| rank | sku | location | severity | chance | runs out | money at risk | why |",
        "|---:|---|---|---|---:|---|---:|---|",
    ]
    for r in current.iter_rows(named=True):
        why = ", ".join(REASON_WORDS.get(c, c) for c in r["reasons"] or [])
        cells = (
            r["risk_rank"],
            r["sku"],
            r["location"],
            r["severity"],
            percent(r["stockout_probability"]),
            day(r["expected_stockout_date"]),
            money(r["value_at_risk"]),
            why,
        )
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(out)
