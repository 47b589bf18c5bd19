"""The exports: CSVs with what they should hold, and one XLSX sheet per supplier."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from report.tiny_warehouse import EVIL_DESCRIPTION, EVIL_SUPPLIER
from shortage_radar.report.exports import (
    ORDER_COLUMNS,
    SUGGESTION_COLUMNS,
    defuse,
    sheet_names,
    write_orders_csv,
    write_suggestions_csv,
    write_suggestions_xlsx,
)
from shortage_radar.report.read import ReportData
from shortage_radar.report.suppliers import NO_SUPPLIER


@pytest.mark.parametrize(
    ("suppliers", "names"),
    [
        pytest.param(["S1", "S2"], ["S1", "S2"], id="plain"),
        pytest.param(["a/b:c*d?[e]\\f"], ["a_b_c_d__e__f"], id="forbidden-characters"),
        pytest.param(["x" * 40], ["x" * 31], id="at-most-31"),
        pytest.param(
            ["Acme " + "y" * 30, "acme " + "Y" * 30, "ACME " + "y" * 31],
            ["Acme " + "y" * 26, "acme " + "Y" * 22 + " (2)", "ACME " + "y" * 22 + " (3)"],
            id="unique-ignoring-case-within-31",
        ),
        pytest.param(
            ["'quoted'", "History", None], ["quoted", "History_", NO_SUPPLIER], id="rules"
        ),
        pytest.param(["[]", "''", ""], ["__", "supplier", NO_SUPPLIER], id="nothing-left"),
    ],
)
def test_sheet_names_follow_excels_rules(suppliers: list[str | None], names: list[str]) -> None:
    got = sheet_names(suppliers)
    assert [got[s] for s in suppliers] == names
    assert all(len(n) <= 31 for n in names)


def test_xlsx_has_one_sheet_per_supplier_with_its_rows(data: ReportData, tmp_path: Path) -> None:
    path = write_suggestions_xlsx(data.suggestions, tmp_path / "s.xlsx")
    book = load_workbook(path)
    evil = "<script>S2<_script>"  # '<' and '>' are allowed in a sheet name, '/' is not
    assert book.sheetnames == [evil, "S1"]  # by supplier id
    s1 = list(book["S1"].values)
    assert s1[0] == SUGGESTION_COLUMNS
    actions = [(r[1], r[2], r[5], r[7]) for r in s1[1:]]
    assert actions == [("expedite", "A", 5.0, 7.5), ("order", "A", 10.0, 15.0)]
    other = list(book[evil].values)
    assert other[1][0] == EVIL_SUPPLIER and other[1][3] == "Nut"


def test_xlsx_stores_text_that_looks_like_a_formula_as_text(tmp_path: Path) -> None:
    rows = pl.DataFrame(
        {c: [None] for c in SUGGESTION_COLUMNS}, schema={c: pl.String for c in SUGGESTION_COLUMNS}
    ).with_columns(supplier_id=pl.lit("S1"), description=pl.lit('=HYPERLINK("http://x","y")\x07'))
    book = load_workbook(write_suggestions_xlsx(rows, tmp_path / "f.xlsx"))
    cell = book["S1"]["D2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","y")', "s")


def test_suggestions_csv(data: ReportData, tmp_path: Path) -> None:
    back = pl.read_csv(write_suggestions_csv(data.suggestions, tmp_path / "s.csv"))
    assert tuple(back.columns) == SUGGESTION_COLUMNS
    assert back.select("supplier_id", "action", "sku", "order_quantity", "value").rows() == [
        (EVIL_SUPPLIER, "order", "B<script>", 4.0, 2.0),  # by supplier id, then action
        ("S1", "expedite", "A", 5.0, 7.5),
        ("S1", "order", "A", 10.0, 15.0),
    ]
    assert back["description"][1] == EVIL_DESCRIPTION  # data, unchanged


def test_orders_at_risk_csv(data: ReportData, tmp_path: Path) -> None:
    back = pl.read_csv(
        write_orders_csv(data.orders_at_risk, tmp_path / "o.csv"), try_parse_dates=True
    )
    assert tuple(back.columns) == ORDER_COLUMNS
    assert back.select("order_id", "status", "days_late", "waits_for_po").rows() == [
        ("SO1", "late", 6, "PO1"),
        ("SO2", "at_risk", -1, None),
    ]


def test_csv_cells_a_spreadsheet_would_run_get_a_quote() -> None:
    df = pl.DataFrame({"t": ["=1+1", "+x", "-y", "@z", "ok", None], "n": [-1.0] * 6})
    assert defuse(df).rows() == [
        ("'=1+1", -1.0),
        ("'+x", -1.0),
        ("'-y", -1.0),
        ("'@z", -1.0),
        ("ok", -1.0),
        (None, -1.0),
    ]
