"""Warnings: who is at risk, ranking without chance, reasons, and status against the last run."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shortage_radar.supply.alerts import REASONS, against_previous, rank

AS_OF = date(2026, 6, 1)
CUTS = (0.9, 0.7, 0.4)


def _risk(rows: list[tuple[str, float, float, float]], **flags: list[bool]) -> pl.DataFrame:
    """(sku, probability, expected units short, unit value) per series."""
    n = len(rows)
    return pl.DataFrame(
        {
            "unique_id": [f"{r[0]}@main" for r in rows],
            "sku": [r[0] for r in rows],
            "location": "main",
            "stockout_probability": [r[1] for r in rows],
            "expected_units_short": [r[2] for r in rows],
            "unit_value": [r[3] for r in rows],
            "expected_stockout_date": [AS_OF] * n,
            "affected_customer_orders": [0] * n,
            "affected_order_ids": [[]] * n,
            "on_hand": [0.0] * n,
            "days_of_cover": [0.0] * n,
            "open_po_quantity": [0.0] * n,
            "primary_supplier": ["S"] * n,
            **{reason: flags.get(reason, [False] * n) for reason in REASONS},
        }
    )


def test_ranked_by_value_at_risk_with_severity_and_reasons() -> None:
    risk = _risk(
        [("A", 0.95, 10, 2.0), ("B", 0.5, 30, 1.0), ("C", 0.05, 100, 9.0), ("D", 0.8, 0, 5.0)],
        no_open_supply=[True, False, True, False],
        demand_surge=[True, True, False, False],
    )
    w = rank(risk, 0.1, CUTS)
    # C is below the 0.1 probability floor, D has nothing short: neither is warned
    assert w.select("sku", "risk_rank", "value_at_risk", "severity").rows() == [
        ("B", 1, 30.0, "medium"),
        ("A", 2, 20.0, "critical"),
    ]
    assert w["reasons"].to_list() == [["demand_surge"], ["demand_surge", "no_open_supply"]]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.2, 0.5, 0.9]),
            st.sampled_from([1.0, 2.0]),
            st.sampled_from([1.0, 3.0]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_ranking_is_by_score_and_never_by_chance(rows: list[tuple[float, float, float]]) -> None:
    risk = _risk([(f"S{i:02d}", p, u, v) for i, (p, u, v) in enumerate(rows)])
    once = rank(risk, 0.1, CUTS)
    again = rank(risk.reverse(), 0.1, CUTS)  # the input order must not matter
    assert once.select("sku", "risk_rank").equals(again.select("sku", "risk_rank"))
    assert once["sku"].n_unique() == once.height  # each series at risk appears once
    values = once["value_at_risk"].to_list()
    assert values == sorted(values, reverse=True)
    assert once["risk_rank"].to_list() == list(range(1, once.height + 1))


def test_status_against_the_previous_run() -> None:
    prev_day = date(2026, 5, 31)
    previous = against_previous(
        rank(_risk([("A", 0.5, 10, 1.0), ("B", 0.5, 10, 1.0), ("C", 0.5, 10, 1.0)]), 0.1, CUTS),
        None,
        prev_day,
        0.1,
    )
    now = rank(_risk([("A", 0.55, 10, 1.0), ("B", 0.8, 10, 1.0), ("D", 0.5, 10, 1.0)]), 0.1, CUTS)
    got = against_previous(now, previous, AS_OF, 0.1).sort("sku")
    assert got.select("sku", "status", "first_seen").rows() == [
        ("A", "continuing", prev_day),  # up 0.05 only
        ("B", "worsening", prev_day),  # up 0.3
        ("C", "resolved", prev_day),  # gone today
        ("D", "new", AS_OF),
    ]
