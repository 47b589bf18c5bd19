"""The one pass over paths: what a chance to sell changes and what it leaves alone."""

from __future__ import annotations

import numpy as np

from shortage_radar.supply.simulate import Inputs, simulate

PATHS = 1000


def _inputs(chance: np.ndarray | None, rate: float = 1.0) -> Inputs:
    n, days = 2, 30
    return Inputs(
        # the first series 1 a day: with nothing on hand every path runs short at once
        mean=np.array([[1.0] * days, [rate] * days]),
        shock_var=np.zeros(n),
        level_var=np.zeros(n),
        on_hand=np.zeros(n),
        past_due=np.zeros(n),
        booked=np.zeros((n, days)),
        line_series=np.zeros(0, dtype=np.int64),
        line_qty=np.zeros(0),
        arrive=np.zeros((0, PATHS), dtype=np.int64),
        lead=np.full((1, n, PATHS), 5, dtype=np.int64),
        service=np.full(n, 0.9),
        review_days=7,
        measure="cycle",
        order_series=np.zeros(0, dtype=np.int64),
        order_need=np.zeros(0),
        order_day=np.zeros(0, dtype=np.int64),
        days=days,
        sell_chance=chance,
    )


def test_a_chance_to_sell_sets_the_share_of_paths_short_but_not_the_reorder_levels() -> None:
    every = simulate(_inputs(None), PATHS, np.random.default_rng(1))
    half = simulate(_inputs(np.array([np.nan, 0.5])), PATHS, np.random.default_rng(1))
    # all paths short by day 30 (P(no demand in 30 days) = e^-30); with chance 0.5, 500 of them
    assert every.shortage_by[:, -1].tolist() == [1.0, 1.0]
    assert half.shortage_by[:, -1].tolist() == [1.0, 0.5]
    # the stocking decision reads all paths: the same levels as without the chance
    np.testing.assert_array_equal(half.reorder_point, every.reorder_point)
    np.testing.assert_array_equal(half.order_up_to, every.order_up_to)
    np.testing.assert_array_equal(half.expected_on_hand[0], every.expected_on_hand[0])


def test_a_chance_above_the_drawn_share_copies_paths_that_sell() -> None:
    # 0.01 a day: P(any demand in 30 days) = 1 - e^-0.3 = 0.26 as drawn, 0.8 when told
    drawn = simulate(_inputs(None, rate=0.01), PATHS, np.random.default_rng(1))
    told = simulate(_inputs(np.array([np.nan, 0.8]), rate=0.01), PATHS, np.random.default_rng(1))
    assert abs(drawn.shortage_by[1, -1] - (1 - np.exp(-0.3))) < 0.05  # 1000 paths: sd 0.014
    assert told.shortage_by[1, -1] == 0.8
    np.testing.assert_array_equal(told.reorder_point, drawn.reorder_point)


def test_chance_zero_leaves_no_shortage_at_all() -> None:
    none = simulate(_inputs(np.array([0.0, 0.0])), PATHS, np.random.default_rng(1))
    assert none.shortage_by.max() == 0.0
    assert none.reorder_point.min() > 0  # still stocked for the demand it may have
