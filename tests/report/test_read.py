"""What the report reads from a warehouse after a run."""

from __future__ import annotations

from datetime import date

from report.tiny_warehouse import EVIL_DESCRIPTION, EVIL_SKU, EVIL_SUPPLIER, PREVIOUS
from shortage_radar.report.read import ReportData


def test_current_warnings_by_rank_with_last_runs_figures(data: ReportData) -> None:
    assert data.previous_as_of == PREVIOUS
    w = data.warnings.select(
        "risk_rank", "sku", "description", "status", "prev_probability", "prev_stockout_date"
    ).rows()
    assert w == [
        (1, "A", EVIL_DESCRIPTION, "worsening", 0.5, date(2026, 6, 6)),
        (2, EVIL_SKU, "Nut", "new", None, None),
    ]
    assert data.resolved["sku"].to_list() == ["C"]


def test_projection_of_the_top_warnings_only(data: ReportData) -> None:
    assert data.projections.group_by("sku").len().sort("sku").rows() == [
        ("A", 11),
        (EVIL_SKU, 11),
    ]


def test_suggestion_value_at_the_suppliers_cost_else_the_items(data: ReportData) -> None:
    got = data.suggestions.select("supplier_id", "action", "sku", "unit_cost", "value").rows()
    assert sorted(got, key=str) == sorted(
        [
            ("S1", "order", "A", 1.5, 15.0),  # supplier_items.unit_cost 1.5 x 10
            ("S1", "expedite", "A", 1.5, 7.5),
            (EVIL_SUPPLIER, "order", EVIL_SKU, 0.5, 2.0),  # no supplier cost: items' 0.5 x 4
        ],
        key=str,
    )


def test_customer_orders_late_first_then_at_risk(data: ReportData) -> None:
    assert data.orders_at_risk.select("order_id", "status", "days_late").rows() == [
        ("SO1", "late", 6),  # requested 30 May, ships 5 June
        ("SO2", "at_risk", -1),
    ]
