"""Stock projection on hand-worked cases."""

from __future__ import annotations

import numpy as np

from shortage_radar.supply.projection import project


def _one(
    on_hand: float,
    demand: list[float],
    arrivals: list[float],
    booked: list[float] | None = None,
    past_due: float = 0.0,
    replenish: int = 0,
):
    h = len(demand)
    return project(
        np.array([on_hand]),
        np.array([[demand]], dtype=float),
        np.array([booked or [0.0] * h]),
        np.array([past_due]),
        np.array([[arrivals]], dtype=float),
        np.array([[replenish]]),
    )


def test_constant_demand_with_a_po_on_day_five_runs_out_on_day_fifteen() -> None:
    # 10 a day from 100 on hand, 50 arriving on day 5 (index 4): 150 last exactly 15 days
    arrivals = [0.0] * 20
    arrivals[4] = 50.0
    p = _one(100, [10.0] * 20, arrivals)
    assert p.first_stockout[0, 0] == 14  # day 15 is index 14
    assert p.expected_on_hand[0, 3] == 60 and p.expected_on_hand[0, 4] == 100
    assert p.expected_inbound[0, 4] == 50 and p.expected_inbound[0].sum() == 50
    assert p.stockout_probability[0].tolist() == [0.0] * 14 + [1.0] * 6


def test_a_past_due_customer_order_takes_stock_first() -> None:
    p = _one(30, [0.0] * 3, [0.0] * 3, past_due=30)
    assert p.expected_on_hand[0].tolist() == [0.0, 0.0, 0.0]
    assert p.first_stockout[0, 0] == 0


def test_booked_orders_consume_the_forecast() -> None:
    # forecast 5 a day; an order of 8 on day 2 replaces that day's 5, not adds to it
    p = _one(100, [5.0] * 3, [0.0] * 3, booked=[0.0, 8.0, 0.0])
    assert p.expected_on_hand[0].tolist() == [95.0, 87.0, 82.0]


def test_risk_before_replenishment() -> None:
    # two paths: one runs out on day index 2, the other never; replenishment arrives on the
    # morning of day index 5, so what is owed at the end of day index 4 is short
    demand = np.array([[[4.0] * 6, [1.0] * 6]])
    p = project(
        np.array([10.0]),
        demand,
        np.zeros((1, 6)),
        np.zeros(1),
        np.zeros((1, 2, 6)),
        np.array([[5, 5]]),
    )
    assert p.risk.tolist() == [0.5]
    # path 1 owes 4 * 5 - 10 = 10 units then, path 2 none: mean 5
    assert p.units_short.tolist() == [5.0]
    # the shelf: path 1 has 6, 2, 0, ... and path 2 9, 8, ..., 4: means 7.5, 5, 3.5, ...
    assert p.expected_on_hand[0].tolist() == [7.5, 5.0, 3.5, 3.0, 2.5, 2.0]
    assert p.stockout_probability[0].tolist() == [0, 0, 0.5, 0.5, 0.5, 0.5]
    assert p.first_stockout[0].tolist() == [2, 6]


def test_shortage_by_stays_once_an_arrival_clears_what_was_owed() -> None:
    # 3 on hand, 10 arrive on day index 2. Path 1 sells 2 a day: 1, -1 (owed), 7, 5; path 2
    # sells 1 a day: 2, 1, 10, 9. Owed at the end of the day: only path 1 on day 1; owed by
    # then: path 1 from day 1 on.
    arrivals = np.zeros((1, 2, 4))
    arrivals[0, :, 2] = 10
    p = project(
        np.array([3.0]),
        np.array([[[2.0] * 4, [1.0] * 4]]),
        np.zeros((1, 4)),
        np.zeros(1),
        arrivals,
        np.array([[9, 9]]),
    )
    assert p.shortage_probability[0].tolist() == [0, 0.5, 0, 0]
    assert p.shortage_by[0].tolist() == [0, 0.5, 0.5, 0.5]


def test_demand_paths_may_run_past_the_projected_days() -> None:
    # paths of 5 days, projection of 3: the extra days (for lead-time demand) are ignored
    p = project(
        np.array([4.0]),
        np.array([[[1.0, 1.0, 1.0, 9.0, 9.0]]]),
        np.zeros((1, 3)),
        np.zeros(1),
        np.zeros((1, 1, 3)),
        np.array([[3]]),
    )
    assert p.expected_on_hand[0].tolist() == [3.0, 2.0, 1.0]
    assert p.first_stockout[0].tolist() == [3] and p.risk.tolist() == [0.0]


def test_on_hand_band_is_the_nearest_rank_quantile_of_the_first_paths_never_negative() -> None:
    # 11 paths, no demand but path i owes i * 10 - 30 on day 0: stock 30, 20, 10, 0, -10 ...
    # nearest ranks over all 11: q10 -> rank 1, q50 -> rank 5, q90 -> rank 9 (sorted ascending)
    demand = np.array([[[float(10 * i)] for i in range(11)]])

    def band(paths: int) -> list[float]:
        p = project(
            np.array([30.0]),
            demand,
            np.zeros((1, 1)),
            np.zeros(1),
            np.zeros((1, 11, 1)),
            np.ones((1, 11), dtype=np.int64),
            (0.1, 0.5, 0.9),
            paths,
        )
        return p.on_hand_band[:, 0, 0].tolist()  # type: ignore[no-any-return]

    # sorted shelf stock: 0 (x 8) 10 20 30; rank 1 -> 0, rank 5 -> 0, rank 9 -> 20
    assert band(11) == [0.0, 0.0, 20.0]
    # over the first 3 paths only (30, 20, 10): ranks 0, 1, 2
    assert band(3) == [10.0, 20.0, 30.0]


def test_risk_before_a_replenishment_later_than_the_published_days() -> None:
    # 3 days published, paths of 6; 4 on hand, 1 a day, replenishment on day 5: stock 3, 2, 1
    # (published), then 0, -1 on days 3 and 4 (walked): short before it, 1 unit owed
    p = project(
        np.array([4.0]),
        np.ones((1, 1, 6)),
        np.zeros((1, 3)),
        np.zeros(1),
        np.zeros((1, 1, 6)),
        np.array([[5]]),
    )
    assert p.expected_on_hand[0].tolist() == [3.0, 2.0, 1.0]
    assert p.risk.tolist() == [1.0] and p.units_short.tolist() == [1.0]
    assert p.first_stockout[0].tolist() == [3]  # not out within the 3 published days
