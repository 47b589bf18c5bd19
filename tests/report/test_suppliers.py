"""Orders per supplier with totals, late PO lines and whom to call first, worked by hand."""

from __future__ import annotations

from datetime import date

import polars as pl

from report.tiny_warehouse import EVIL_SKU, EVIL_SUPPLIER
from shortage_radar.report.read import ReportData
from shortage_radar.report.suppliers import NO_SUPPLIER, late_lines, order_totals


def test_orders_grouped_by_supplier_with_totals() -> None:
    suggestions = pl.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2", "S2", "S1", None],
            "action": ["order", "order", "order", "order", "expedite", "order"],
            "order_quantity": [10.0, 4.0, 3.0, 2.0, 100.0, 1.0],
            "value": [15.0, 2.0, None, 6.0, 150.0, None],
        }
    )
    assert order_totals(suggestions).rows() == [
        # S1: 10 + 4 units, 15 + 2 money; the expedite is already on order: not counted
        ("S1", 2, 14.0, 17.0, 0),
        # S2: one line has no cost, so its value is the other line's alone, and says so
        ("S2", 2, 5.0, 6.0, 1),
        (NO_SUPPLIER, 1, 1.0, None, 1),
    ]


def test_late_lines_are_overdue_or_expected_after_the_promise() -> None:
    lines = pl.DataFrame(
        {
            "po_id": ["P1", "P2", "P3"],
            "sku": ["A", "B", "C"],
            "location": ["main"] * 3,
            "supplier_id": ["S1"] * 3,
            "promised_date": [date(2026, 5, 25), date(2026, 6, 10), date(2026, 6, 20)],
            "days_overdue": [7, 0, 0],
            "overdue": [True, False, False],
            "arrival_p50": [date(2026, 6, 3), date(2026, 6, 12), date(2026, 6, 18)],
        }
    )
    warnings = pl.DataFrame(
        {"sku": ["B"], "location": ["main"], "risk_rank": [1], "value_at_risk": [9.0]}
    )
    late = late_lines(lines, warnings)
    # P3 arrives before its promise: not late. P2 is at risk, so it comes first.
    assert late.select("po_id", "late_days", "risk_rank").rows() == [("P2", 2, 1), ("P1", 7, None)]


def test_suppliers_in_the_order_to_call_them(data: ReportData) -> None:
    rows = data.suppliers.rows(named=True)
    assert [r["supplier_id"] for r in rows] == ["S1", EVIL_SUPPLIER]  # 20 at risk before 4
    s1, s2 = rows
    # S1 received 2 lines, 1 on time; the recent one took 14 days, the year-old one 8
    assert (s1["on_time_rate"], s1["lead_time_now"], s1["lead_time_usual"]) == (0.5, 14.0, 8.0)
    assert (s1["items_grown"], s1["open_lines"], s1["overdue_lines"], s1["slipping_lines"]) == (
        1,
        2,
        1,
        0,
    )
    assert (s1["value_at_risk"], s1["skus_at_risk"]) == (20.0, ["A (main)"])
    assert (s2["on_time_rate"], s2["lead_time_now"], s2["lead_time_usual"]) == (1.0, 10.0, None)
    assert (s2["overdue_lines"], s2["slipping_lines"], s2["skus_at_risk"]) == (
        0,
        1,
        [f"{EVIL_SKU} (main)"],
    )
