"""Writing reports/<as_of>/: the HTML page and its exports, each replaced whole."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from shortage_radar.report.exports import (
    write_orders_csv,
    write_suggestions_csv,
    write_suggestions_xlsx,
)
from shortage_radar.report.html import render
from shortage_radar.report.read import ReportData, read_report
from shortage_radar.settings import Settings

PAGE = "index.html"
SUGGESTIONS_CSV = "reorder_suggestions.csv"
SUGGESTIONS_XLSX = "reorder_suggestions.xlsx"
ORDERS_CSV = "customer_orders_at_risk.csv"
EXPORTS = {
    "all reorder suggestions (order, expedite, surplus) with unit cost and value": SUGGESTIONS_CSV,
    "the same, one sheet per supplier": SUGGESTIONS_XLSX,
    "customer order lines late or at risk, with expected ship dates": ORDERS_CSV,
}


def report_folder(settings: Settings, as_of: date) -> Path:
    return settings.reports_dir() / as_of.isoformat()


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary name and rename, so a reader (a buyer with the page open, a
    mail task attaching a file) never sees half a file; a re-run of a date replaces it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_files(data: ReportData, settings: Settings, folder: Path) -> Path:
    """Write the page and the exports of `data` into `folder`; returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    _replace(folder / SUGGESTIONS_CSV, lambda p: write_suggestions_csv(data.suggestions, p))
    _replace(folder / SUGGESTIONS_XLSX, lambda p: write_suggestions_xlsx(data.suggestions, p))
    _replace(folder / ORDERS_CSV, lambda p: write_orders_csv(data.orders_at_risk, p))
    page = render(data, settings, EXPORTS)
    _replace(folder / PAGE, lambda p: p.write_text(page, encoding="utf-8"))
    return folder / PAGE


def write_report(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date
) -> tuple[Path, ReportData]:
    """Read the run of `as_of` from the warehouse and write its report folder
    (`report_folder`); returns the page's absolute path and what it shows."""
    data = read_report(
        con, as_of, charts=settings.report.charts, recent_days=settings.supply.recent_days
    )
    page = write_files(data, settings, report_folder(settings, as_of))
    return page.resolve(), data
