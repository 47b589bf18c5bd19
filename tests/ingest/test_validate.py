"""Each contract rule on tiny inline frames, with the exact reason a user reads."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from shortage_radar.contract import FEEDS
from shortage_radar.ingest.validate import validate

AS_OF = date(2026, 6, 1)
SKUS = pl.Series(["A", "B"])


def check(feed: str, rows: dict[str, list[str | None]]) -> pl.DataFrame:
    lf = pl.LazyFrame(rows, schema={k: pl.String for k in rows}).with_row_index(
        "row_number", offset=1
    )
    return validate(lf, FEEDS[feed], as_of=AS_OF, known_skus=SKUS).collect()


SALES = {"date": "2026-05-01", "sku": "A", "quantity": "3"}
PO = {
    "po_id": "P1",
    "sku": "A",
    "supplier_id": "S1",
    "quantity": "10",
    "order_date": "2026-05-01",
    "promised_date": "2026-05-10",
}


@pytest.mark.parametrize(
    ("feed", "base", "change", "column", "reason"),
    [
        pytest.param(
            "sales",
            SALES,
            {"quantity": "abc"},
            "quantity",
            "quantity is not a number: 'abc'",
            id="wrong-type-number",
        ),
        pytest.param(
            "sales",
            SALES,
            {"quantity": "NaN"},
            "quantity",
            "quantity is not a number: 'NaN'",
            id="not-finite",
        ),
        pytest.param(
            "sales",
            SALES,
            {"sku": "  "},
            "sku",
            "sku is missing (required)",
            id="missing-required-blank",
        ),
        pytest.param(
            "sales",
            SALES,
            {"quantity": None},
            "quantity",
            "quantity is missing (required)",
            id="missing-required-null",
        ),
        pytest.param(
            "sales",
            SALES,
            {"quantity": "-2"},
            "quantity",
            "quantity is negative (-2.0): a return, not a sale (returns are not demand "
            "and are not loaded)",
            id="return-negative-sale",
        ),
        pytest.param(
            "sales", SALES, {"sku": "ZZ"}, "sku", "sku 'ZZ' is not in items", id="unknown-sku"
        ),
        pytest.param(
            "sales",
            SALES,
            {"date": "2026-06-02"},
            "date",
            "date 2026-06-02 is after the as-of date 2026-06-01",
            id="date-after-as-of",
        ),
        pytest.param(
            "sales",
            SALES,
            {"date": "2026-13-45"},
            "date",
            "date is not a date in YYYY-MM-DD form: '2026-13-45'",
            id="unparseable-date",
        ),
        pytest.param(
            "sales",
            SALES,
            {"date": "01/05/2026"},
            "date",
            "date is not a date in YYYY-MM-DD form: '01/05/2026'",
            id="not-iso-date",
        ),
        pytest.param(
            "sales",
            {**SALES, "stockout": "maybe"},
            {},
            "stockout",
            "stockout is not true or false: 'maybe'",
            id="bad-boolean",
        ),
        pytest.param(
            "inventory",
            {"date": "2026-05-31", "sku": "A", "on_hand": "-1"},
            {},
            "on_hand",
            "on_hand is negative (-1.0)",
            id="negative-on-hand",
        ),
        pytest.param(
            "purchase_orders",
            PO,
            {"quantity": "0"},
            "quantity",
            "quantity must be greater than 0, got 0.0",
            id="po-quantity-zero",
        ),
        pytest.param(
            "purchase_orders",
            PO,
            {"promised_date": "2026-04-30"},
            "promised_date",
            "promised_date 2026-04-30 is before order_date 2026-05-01",
            id="promised-before-order",
        ),
        pytest.param(
            "purchase_orders",
            {**PO, "received_date": "2026-04-20"},
            {},
            "received_date",
            "received_date 2026-04-20 is before order_date 2026-05-01",
            id="received-before-order",
        ),
        pytest.param(
            "purchase_orders",
            {**PO, "status": "lost"},
            {},
            "status",
            "status must be one of open, received, cancelled; got 'lost'",
            id="unknown-status",
        ),
        pytest.param(
            "customer_orders",
            {
                "order_id": "C1",
                "sku": "A",
                "quantity": "2",
                "order_date": "2026-05-10",
                "requested_date": "2026-05-09",
            },
            {},
            "requested_date",
            "requested_date 2026-05-09 is before order_date 2026-05-10",
            id="requested-before-order",
        ),
        pytest.param(
            "customer_orders",
            {
                "order_id": "C1",
                "sku": "A",
                "quantity": "2",
                "order_date": "2026-05-10",
                "requested_date": "2026-05-12",
                "status": "backordered",
            },
            {},
            "status",
            "status must be one of open, shipped, cancelled; got 'backordered'",
            id="customer-order-status",
        ),
        pytest.param(
            "supplier_items",
            {"supplier_id": "S", "sku": "A", "lead_time_days": "0"},
            {},
            "lead_time_days",
            "lead_time_days must be greater than 0, got 0.0",
            id="lead-time-zero",
        ),
        pytest.param(
            "items",
            {"sku": "C", "unit_cost": "-0.5"},
            {},
            "unit_cost",
            "unit_cost is negative (-0.5)",
            id="negative-cost",
        ),
        pytest.param(
            "inventory",
            {"date": "2026-05-31", "sku": "A", "on_hand": "1,200"},
            {},
            "on_hand",
            "on_hand is not a number: '1,200'",
            id="thousands-separator",
        ),
        pytest.param(
            "items",
            {"sku": "C", "service_level": "1.5"},
            {},
            "service_level",
            "service_level must be at most 0.9999, got 1.5",
            id="service-level-high",
        ),
        pytest.param(
            "supplier_items",
            {"supplier_id": "S", "sku": "A", "lead_time_days": "5", "priority": "1.5"},
            {},
            "priority",
            "priority is not a whole number: '1.5'",
            id="priority-not-whole",
        ),
        pytest.param(
            "supplier_items",
            {"supplier_id": "S", "sku": "A", "lead_time_days": "5", "pack_size": "0"},
            {},
            "pack_size",
            "pack_size must be at least 1, got 0.0",
            id="pack-size-zero",
        ),
    ],
)
def test_one_rule_one_reason(
    feed: str, base: dict[str, str], change: dict[str, str | None], column: str, reason: str
) -> None:
    row = {**base, **change}
    out = check(feed, {k: [v] for k, v in row.items()})
    assert out.select("_columns", "_reason").row(0) == (column, reason)


def test_good_row_gets_typed_values_and_defaults() -> None:
    out = check("sales", {"date": [" 2026-05-01 "], "sku": ["A"], "quantity": ["2.5"]})
    assert out.select("date", "sku", "quantity", "location", "stockout", "_reason").row(0) == (
        date(2026, 5, 1),
        "A",
        2.5,
        "main",
        False,
        None,
    )


def test_every_problem_of_a_row_is_named() -> None:
    out = check("sales", {"date": ["2026-06-09"], "sku": ["ZZ"], "quantity": ["-1"]})
    assert out["_columns"][0] == "date, sku, quantity"  # in the order of the contract
    assert out["_reason"][0].count(";") == 2


def test_booleans_in_common_spellings() -> None:
    out = check(
        "sales",
        {
            **{k: [v] * 6 for k, v in SALES.items()},
            "stockout": ["TRUE", "1", "yes", "false", "0", ""],
        },
    )
    assert out["stockout"].to_list() == [True, True, True, False, False, False]
    assert out["_reason"].null_count() == 6


def test_duplicate_key_keeps_first_good_row() -> None:
    out = check("items", {"sku": ["A", "a2", "A", "A"], "service_level": ["2", None, None, None]})
    # Row 1 is broken (service level), so row 3 is the first good "A" and row 4 its duplicate.
    assert out["_reason"].to_list() == [
        "service_level must be at most 0.9999, got 2.0",
        None,
        None,
        "duplicate key (sku=A): already at row 3",
    ]


def test_status_is_matched_without_case() -> None:
    out = check("items", {"sku": ["A", "B"], "status": ["Discontinued", "ACTIVE"]})
    assert out["status"].to_list() == ["discontinued", "active"]


def test_native_parquet_types_are_taken_as_they_are() -> None:
    lf = pl.LazyFrame(
        {"date": [date(2026, 5, 1)], "sku": ["A"], "quantity": [4], "stockout": [True]}
    ).with_row_index("row_number", offset=1)
    out = validate(lf, FEEDS["sales"], as_of=AS_OF, known_skus=SKUS).collect()
    assert out.select("date", "quantity", "stockout", "_reason").row(0) == (
        date(2026, 5, 1),
        4.0,
        True,
        None,
    )


def test_native_parquet_values_are_checked_too() -> None:
    lf = pl.LazyFrame(
        {
            "date": [date(2026, 5, 1), None, date(2026, 5, 2)],
            "sku": ["A", "A", "A"],
            "quantity": [float("inf"), 1.0, -3.0],
        }
    ).with_row_index("row_number", offset=1)
    out = validate(lf, FEEDS["sales"], as_of=AS_OF, known_skus=SKUS).collect()
    assert out["_reason"].to_list() == [
        "quantity is not a number: 'inf'",
        "date is missing (required)",
        "quantity is negative (-3.0): a return, not a sale (returns are not demand and are not "
        "loaded)",
    ]


def test_a_parquet_column_of_another_type_is_read_as_text() -> None:
    lf = pl.LazyFrame({"date": [20260501], "sku": [7], "quantity": ["2"]}).with_row_index(
        "row_number", offset=1
    )
    out = validate(lf, FEEDS["sales"], as_of=AS_OF, known_skus=pl.Series(["7"])).collect()
    assert out.select("sku", "_reason").row(0) == (
        "7",
        "date is not a date in YYYY-MM-DD form: '20260501'",
    )
