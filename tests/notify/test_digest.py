"""Digests built from a hand-made warehouse: who gets one, what is in it, what is escaped."""

from __future__ import annotations

import csv
import io
from datetime import date
from email.message import EmailMessage

import duckdb
import pytest

from shortage_radar.notify.digest import build_digests, digests, read_tables, to_csv
from shortage_radar.settings import MailSettings

AS_OF = date(2026, 6, 1)
CFG = MailSettings(
    sender="radar@example.com",
    subject_prefix="[sr]",
    recipients={"Priya Nair": "priya@example.com", "Marco Rossi": "marco@example.com"},
    report_url="https://intranet/reports/",
)

# sku, description, buyer; then the warnings: sku, status, severity, rank, probability
ITEMS = [
    ("A", "<script>alert(1)</script> bolt", "Priya Nair"),
    ("B", "Nut", "Priya Nair"),
    ("C", '=HYPERLINK("http://x")', "anna@example.com"),
    ("D", "Washer", "Marco Rossi"),
    ("E", "Gasket", None),
    ("F", "Seal", "Nobody Known"),
]
WARNINGS = [
    ("A", "continuing", "high", 2, 0.75),
    ("B", "new", "critical", 1, 0.95),
    ("C", "worsening", "medium", 3, 0.5),
    ("D", "continuing", "low", 4, 0.2),
    ("E", "new", "low", 5, 0.15),
    ("F", "new", "low", 6, 0.12),
    ("G", "resolved", "low", None, 0.05),  # not in items
]


def warehouse(warnings: list[tuple[object, ...]] = WARNINGS) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.items (sku VARCHAR, description VARCHAR, buyer VARCHAR)")
    con.executemany("INSERT INTO staging.items VALUES (?, ?, ?)", ITEMS)
    con.execute(
        "CREATE TABLE core.shortage_warnings (sku VARCHAR, location VARCHAR, status VARCHAR, "
        "severity VARCHAR, risk_rank BIGINT, stockout_probability DOUBLE, "
        "expected_stockout_date DATE, expected_units_short DOUBLE, value_at_risk DOUBLE, "
        "reasons VARCHAR[], primary_supplier VARCHAR, first_seen DATE)"
    )
    for w in warnings:
        con.execute(
            "INSERT INTO core.shortage_warnings VALUES "
            "(?, 'main', ?, ?, ?, ?, DATE '2026-06-09', 12.0, 1234.5, "
            "['supplier_late', 'demand_surge'], 'S1', DATE '2026-05-30')",
            list(w),
        )
    con.execute(
        "CREATE TABLE core.reorder_suggestions (action VARCHAR, supplier_id VARCHAR, "
        "sku VARCHAR, location VARCHAR, order_quantity DOUBLE, order_by_date DATE, "
        "expected_arrival_date DATE, reorder_point DOUBLE, safety_stock DOUBLE, reason VARCHAR)"
    )
    con.executemany(
        "INSERT INTO core.reorder_suggestions VALUES "
        "(?, 'S1', ?, 'main', ?, DATE '2026-06-01', DATE '2026-06-15', 40, 10, 'because')",
        [("order", "A", 60.0), ("expedite", "B", 20.0), ("order", "C", 5.0), ("order", "D", 7.0)],
    )
    return con


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {str(m["To"]): m for m in messages}


def attachment(msg: EmailMessage, prefix: str) -> list[dict[str, str]]:
    (part,) = [p for p in msg.iter_attachments() if p.get_filename().startswith(prefix)]
    return list(csv.DictReader(io.StringIO(part.get_content())))


def test_one_digest_per_buyer_with_something_new_or_worse() -> None:
    d = digests(warehouse(), AS_OF, CFG)
    mails = by_recipient(d.messages)
    # Marco has only a continuing warning; E has no buyer, F's buyer no address
    assert sorted(mails) == ["anna@example.com", "priya@example.com"]
    assert d.unaddressed_warnings == 2
    assert d.unaddressed_buyers == ["(no buyer)", "Nobody Known"]
    priya = mails["priya@example.com"]
    assert priya["Subject"] == "[sr] 2026-06-01: 1 new, 0 worsening shortage warnings"
    assert priya["From"] == "radar@example.com"
    assert [r["sku"] for r in attachment(priya, "shortage_warnings")] == ["B", "A"]  # new first
    rows = attachment(priya, "reorder_suggestions_2026-06-01")
    assert [(r["action"], r["sku"], r["order_quantity"]) for r in rows] == [
        ("expedite", "B", "20.0"),
        ("order", "A", "60.0"),
    ]
    anna = mails["anna@example.com"]
    assert anna["Subject"] == "[sr] 2026-06-01: 0 new, 1 worsening shortage warnings"
    assert [r["sku"] for r in attachment(anna, "reorder_suggestions")] == ["C"]


def test_data_strings_are_escaped_in_html_and_shown_as_text() -> None:
    priya = by_recipient(digests(warehouse(), AS_OF, CFG).messages)["priya@example.com"]
    body = priya.get_body(("html",))
    assert body is not None
    page = body.get_content()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bolt" in page
    assert '<a href="https://intranet/reports/2026-06-01/index.html">' in page
    text = priya.get_body(("plain",))
    assert text is not None
    line = next(x for x in text.get_content().splitlines() if x.startswith("1 | new"))
    assert line.split(" | ")[3:11] == [
        "B",
        "Nut",
        "main",
        "95%",
        "2026-06-09",
        "12",
        "1,234",  # value at risk, whole money units
        "supplier late, demand surge",
    ]


def test_a_formula_in_a_description_is_defused_in_the_csv() -> None:
    anna = by_recipient(digests(warehouse(), AS_OF, CFG).messages)["anna@example.com"]
    (row,) = attachment(anna, "shortage_warnings")
    assert row["description"] == '\'=HYPERLINK("http://x")'
    assert row["reasons"] == "supplier_late demand_surge"


def test_no_digest_when_nothing_is_new_or_worse() -> None:
    calm = [(sku, "continuing" if s != "resolved" else s, *rest) for sku, s, *rest in WARNINGS]
    d = digests(warehouse(calm), AS_OF, CFG)
    assert d.messages == [] and d.unaddressed_warnings == 0


def test_unaddressed_warnings_go_together_to_the_fallback() -> None:
    cfg = CFG.model_copy(update={"fallback_to": "planning@example.com"})
    d = digests(warehouse(), AS_OF, cfg)
    fallback = by_recipient(d.messages)["planning@example.com"]
    assert [r["sku"] for r in attachment(fallback, "shortage_warnings")] == ["E", "F", "G"]
    assert d.unaddressed_warnings == 0
    assert fallback["Subject"] == "[sr] 2026-06-01: 2 new, 0 worsening shortage warnings"


def test_empty_run_gives_no_digest() -> None:
    warnings, suggestions = read_tables(warehouse([]))
    assert build_digests(warnings, suggestions, AS_OF, CFG).messages == []


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("plain", "plain")],
)
def test_csv_cells_a_spreadsheet_would_run_get_a_quote(value: str, cell: str) -> None:
    import polars as pl

    text = to_csv(pl.DataFrame({"x": [value], "n": [-2.0]}), ["x", "n"])
    assert text == f"x,n\n{cell},-2.0\n"
