"""The report's exports for spreadsheets: suggestions as CSV and XLSX, orders at risk as CSV."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from shortage_radar.report.suppliers import NO_SUPPLIER

SUGGESTION_COLUMNS = (
    "supplier_id",
    "action",
    "sku",
    "description",
    "location",
    "order_quantity",
    "unit_cost",
    "value",
    "order_by_date",
    "expected_arrival_date",
    "reorder_point",
    "safety_stock",
    "target_service_level",
    "reason",
)
ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "sku",
    "description",
    "location",
    "quantity",
    "requested_date",
    "projected_ship_date",
    "ship_date_p90",
    "days_late",
    "status",
    "waits_for_po",
)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


def defuse(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with every text cell that a spreadsheet would read as a formula prefixed by `'`
    (OWASP's advice for CSV injection); numbers and dates untouched."""
    starts = "^[" + re.escape("".join(_FORMULA_START)) + "]"
    return df.with_columns(
        pl.when(pl.col(c).str.contains(starts))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, t in df.schema.items()
        if t == pl.String
    )


def suggestion_rows(suggestions: pl.DataFrame) -> pl.DataFrame:
    """The export's rows: one per suggestion, SUGGESTION_COLUMNS, by supplier, action, sku."""
    return suggestions.select(SUGGESTION_COLUMNS).sort(
        "supplier_id", "action", "sku", "location", nulls_last=True
    )


def write_suggestions_csv(suggestions: pl.DataFrame, path: Path) -> Path:
    defuse(suggestion_rows(suggestions)).write_csv(path)
    return path


def write_orders_csv(orders_at_risk: pl.DataFrame, path: Path) -> Path:
    """Customer order lines late or at risk, ORDER_COLUMNS, in the order given."""
    defuse(orders_at_risk.select(ORDER_COLUMNS)).write_csv(path)
    return path


def sheet_names(suppliers: list[str | None]) -> dict[str | None, str]:
    """An Excel sheet name per supplier: at most 31 characters, none of []:*?/\\, not starting
    or ending with an apostrophe, not the reserved `History`, unique ignoring case (a repeat
    gets ` (2)`, ` (3)`... within the 31). None is NO_SUPPLIER."""
    out: dict[str | None, str] = {}
    taken: set[str] = set()
    for s in suppliers:
        base = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", s or NO_SUPPLIER))
        base = base.strip().strip("'").strip() or "supplier"
        if base.lower() == "history":
            base += "_"
        name, n = base[:SHEET_MAX], 2
        while name.lower() in taken:
            suffix = f" ({n})"
            name = base[: SHEET_MAX - len(suffix)].rstrip("'") + suffix
            n += 1
        taken.add(name.lower())
        out[s] = name
    return out


def _cell_value(v: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v


def write_suggestions_xlsx(suggestions: pl.DataFrame, path: Path) -> Path:
    """One sheet per supplier (names from sheet_names) with its suggestions, header frozen.

    Text is stored as text, never as a formula, whatever it starts with; control characters
    Excel cannot hold are dropped.
    """
    rows = suggestion_rows(suggestions)
    names = sheet_names(rows["supplier_id"].unique(maintain_order=True).to_list())
    book = Workbook()
    book.remove(book.active)
    for supplier, title in names.items():
        sheet = book.create_sheet(title)
        mine = rows.filter(
            pl.col("supplier_id").is_null()
            if supplier is None
            else pl.col("supplier_id") == supplier
        )
        sheet.append(list(SUGGESTION_COLUMNS))
        for record in mine.iter_rows():
            sheet.append([_cell_value(v) for v in record])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would run "=..." as a formula
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        for i, col in enumerate(SUGGESTION_COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = (
                40
                if col
                in (
                    "description",
                    "reason",
                )
                else max(12, len(col) + 2)
            )
    if not names:
        book.create_sheet("no suggestions").append(list(SUGGESTION_COLUMNS))
    book.save(path)
    return path
