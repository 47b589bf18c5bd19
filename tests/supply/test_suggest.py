"""Reorder suggestions: supplier choice, MOQ and packs, expedite, surplus, discontinued items."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from shortage_radar.supply.suggest import choose_supplier, suggestions

AS_OF = date(2026, 6, 1)


def _per(**over: object) -> pl.DataFrame:
    """One series: 20 on hand, nothing on order; primary P (lead 20 days), backup B (5 days);
    stock runs out in 10 days; reorder point 50, order-up-to 130 with either supplier."""
    row: dict[str, object] = {
        "sku": "A",
        "location": "main",
        "item_status": "active",
        "service": 0.95,
        "unit_value": 4.0,
        "on_hand": 20.0,
        "open_po_quantity": 0.0,
        "past_due": 0.0,
        "daily_demand": 2.0,
        "expected_stockout_date": AS_OF + timedelta(days=10),
        "primary_supplier": "P",
        "primary_lead_p50": 20.0,
        "primary_rop": 50.0,
        "primary_upto": 130.0,
        "primary_moq": 0.0,
        "primary_pack": 1.0,
        "primary_lead_demand": 40.0,
        "backup_supplier": "B",
        "backup_lead_p50": 5.0,
        "backup_rop": 20.0,
        "backup_upto": 100.0,
        "backup_moq": 0.0,
        "backup_pack": 1.0,
        "backup_lead_demand": 10.0,
    }
    row.update(over)
    return pl.DataFrame([row])


def _lines(rows: list[tuple[str, int]] | None = None) -> pl.DataFrame:
    rows = rows or []
    return pl.DataFrame(
        {
            "po_id": [r[0] for r in rows],
            "sku": ["A"] * len(rows),
            "location": ["main"] * len(rows),
            "supplier_id": ["P"] * len(rows),
            "remaining": [10.0] * len(rows),
            "promised_date": [AS_OF - timedelta(days=r[1]) for r in rows],
            "days_overdue": [r[1] for r in rows],
            "overdue": [r[1] > 0 for r in rows],
            "arrival_p50": [AS_OF + timedelta(days=2)] * len(rows),
        },
        schema_overrides={
            "promised_date": pl.Date,
            "arrival_p50": pl.Date,
            "overdue": pl.Boolean,
            "po_id": pl.String,
            "sku": pl.String,
            "location": pl.String,
            "supplier_id": pl.String,
            "remaining": pl.Float64,
            "days_overdue": pl.Int64,
        },
    )


def test_a_late_primary_loses_the_order_to_a_backup_that_arrives_in_time() -> None:
    # primary arrives on day 20, after the stock-out on day 10; the backup on day 5
    got = suggestions(_per(), _lines(), AS_OF, 90).row(0, named=True)
    assert got["supplier_id"] == "B" and got["action"] == "order"
    # position 20 <= backup reorder point 20: up to 100 -> 80 units, arriving in 5 days
    assert got["order_quantity"] == 80.0
    assert got["expected_arrival_date"] == AS_OF + timedelta(days=5)
    assert "after the projected stock-out" in got["reason"]


def test_the_primary_keeps_the_order_when_it_arrives_in_time() -> None:
    chosen = choose_supplier(_per(primary_lead_p50=8.0), AS_OF)
    assert chosen["supplier"].to_list() == ["P"] and not chosen["use_backup"][0]


def test_moq_and_pack_apply_to_the_order() -> None:
    # primary in time; need 130 - 20 = 110, MOQ 150, packs of 40 -> 160
    got = suggestions(
        _per(primary_lead_p50=8.0, primary_moq=150.0, primary_pack=40.0), _lines(), AS_OF, 90
    )
    assert got.filter(pl.col("action") == "order")["order_quantity"].to_list() == [160.0]


def test_no_order_above_the_reorder_point_nor_for_discontinued_items() -> None:
    assert suggestions(_per(on_hand=60.0, primary_lead_p50=8.0), _lines(), AS_OF, 90).is_empty()
    assert suggestions(_per(item_status="discontinued"), _lines(), AS_OF, 90).is_empty()


def test_an_overdue_po_line_is_to_expedite() -> None:
    got = suggestions(_per(on_hand=60.0), _lines([("PO1", 4), ("PO2", 0)]), AS_OF, 90)
    assert got.select("action", "order_quantity").rows() == [("expedite", 10.0)]
    assert (
        got["reason"][0]
        == f"expedite PO1: 4 days past its promised date {AS_OF - timedelta(days=4)}"
    )


def test_surplus_on_order_is_flagged() -> None:
    # 100 on hand + 300 on order = 400 against 130 + 2 a day x 90 days = 310: 90 too many
    per = _per(on_hand=100.0, open_po_quantity=300.0, expected_stockout_date=None)
    got = suggestions(per, _lines(), AS_OF, 90)
    assert got.select("action", "order_quantity").rows() == [("surplus", 90.0)]


def test_the_economic_order_quantity_raises_a_small_order() -> None:
    # need 130 - 20 = 110; EOQ = sqrt(2 x (2 x 365) x 50 / (0.25 x 4)) = sqrt(73000) = 270.2
    # -> 271 in packs of 1
    per = _per(primary_lead_p50=8.0)
    got = suggestions(per, _lines(), AS_OF, 90, order_cost=50.0, holding_rate=0.25)
    assert got["order_quantity"].to_list() == [271.0]
    assert suggestions(per, _lines(), AS_OF, 90)["order_quantity"].to_list() == [110.0]
