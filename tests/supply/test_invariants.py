"""Invariants of the projection and the reorder levels, checked on random cases (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shortage_radar.supply.policy import levels
from shortage_radar.supply.projection import project

cases = st.tuples(
    st.integers(0, 2**31 - 1),  # seed of the demand paths and arrivals
    st.floats(0, 200),  # on hand
    st.floats(0, 200),  # extra stock
    st.floats(0.1, 20),  # mean daily demand
)


def _paths(seed: int, rate: float, n: int = 200, h: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.poisson(rate, (1, n, h)).astype(float)
    arrivals = np.zeros((1, n, h))
    arrivals[0, np.arange(n), rng.integers(0, h, n)] = rng.integers(0, 100, n)
    return demand, arrivals


@settings(max_examples=60, deadline=None)
@given(cases)
def test_more_stock_never_makes_a_stockout_earlier_or_likelier(
    case: tuple[int, float, float, float],
) -> None:
    seed, on_hand, extra, rate = case
    demand, arrivals = _paths(seed, rate)
    zeros = np.zeros((1, 30))
    lead = np.random.default_rng(seed).integers(1, 30, (1, 200))
    low = project(np.array([on_hand]), demand, zeros, np.zeros(1), arrivals, lead)
    high = project(np.array([on_hand + extra]), demand, zeros, np.zeros(1), arrivals, lead)
    assert (high.first_stockout >= low.first_stockout).all()
    assert (high.stockout_probability <= low.stockout_probability).all()
    assert high.risk[0] <= low.risk[0]
    assert high.units_short[0] <= low.units_short[0]


@settings(max_examples=60, deadline=None)
@given(cases, st.floats(0.5, 0.99), st.floats(0.0, 0.49))
def test_a_higher_service_level_never_lowers_the_reorder_point(
    case: tuple[int, float, float, float], service: float, more: float
) -> None:
    seed, _, _, rate = case
    demand, _ = _paths(seed, rate)
    lead = np.random.default_rng(seed + 1).integers(0, 25, (1, 200))
    rop, upto, _ = levels(demand, lead, 5, np.array([service]))
    rop_hi, upto_hi, _ = levels(demand, lead, 5, np.array([min(service + more, 0.9999)]))
    assert rop_hi[0] >= rop[0] and upto_hi[0] >= upto[0]
    assert upto[0] >= rop[0]
