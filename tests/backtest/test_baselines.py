"""The baselines: the min/max rule worked on paper; the one-step ETS forecast agrees with
statsforecast's forward."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsforecast.models import AutoETS

from shortage_radar.backtest.baselines import ets_next, fit_ets, min_max, normal_loss_k
from shortage_radar.backtest.inventory import Stock
from shortage_radar.backtest.world import World

Z80 = float(stats.norm.ppf(0.9))


def _series(positive: bool) -> np.ndarray:
    rng = np.random.default_rng(3)
    t = np.arange(200)
    week = np.tile([1.0, 1.2, 0.8, 1.1, 0.9, 1.5, 0.5], 30)[:200]
    y = (20 + 0.02 * t) * week + rng.normal(0, 2, 200)
    return np.maximum(y, 0.5) if positive else np.maximum(np.round(y - 15), 0)


@pytest.mark.parametrize(
    ("form", "damped", "positive"),
    [
        ("ZZZ", None, False),
        ("ANN", False, False),
        ("AAN", True, False),
        ("ANA", False, False),
        ("AAA", False, True),
        ("MNN", False, True),
        ("MAN", False, True),
        ("MNM", False, True),
    ],
)
def test_one_step_is_forward_at_h_1(form: str, damped: bool | None, positive: bool) -> None:
    y = _series(positive)
    model = AutoETS(season_length=7, model=form, damped=damped).fit(y[:150])
    for n in (150, 157, 200):  # at the fit and on a history grown since
        got = ets_next(model.model_, y[:n])
        assert got is not None
        out = model.forward(y=y[:n], h=1, level=[80])
        assert got[0] == pytest.approx(out["mean"][0], rel=1e-9)
        assert got[1] == pytest.approx((out["hi-80"][0] - out["mean"][0]) / Z80, rel=1e-9)


def test_damped_multiplicative_season_within_a_hair() -> None:
    # statsforecast's class-3 variance leaves the damping out of its mean; the exact one
    y = _series(positive=True)
    model = AutoETS(season_length=7, model="MAM", damped=True).fit(y[:150])
    got = ets_next(model.model_, y)
    assert got is not None
    out = model.forward(y=y, h=1, level=[80])
    assert got[0] == pytest.approx(out["mean"][0], rel=1e-9)
    assert got[1] == pytest.approx((out["hi-80"][0] - out["mean"][0]) / Z80, rel=1e-3)


def test_a_constant_history_is_left_to_forward() -> None:
    model = AutoETS(season_length=7).fit(np.r_[np.zeros(30), 1.0, np.zeros(30)])
    assert ets_next(model.model_, np.zeros(70)) is None


def test_the_normal_loss_k_of_the_textbook_fill_rate_rule() -> None:
    # G(0) = phi(0) = 0.39894; G(1) = 0.24197 - 0.15866 = 0.08332 (the tables' values); no
    # loss allowed: the top of the grid; a loss of 0/0 (no demand, no spread): the bottom
    got = normal_loss_k(np.array([0.39894, 0.08332, 0.0, np.nan]))
    assert got[:2] == pytest.approx([0.0, 1.0], abs=1e-3)
    assert got[2:].tolist() == [6.0, -4.0]


def test_the_batch_fit_is_each_series_own_fit_and_none_where_it_fails() -> None:
    y = _series(positive=False)[:150]
    demand = np.stack([y, np.roll(y, 3), np.full(150, np.nan)])  # NaNs: AutoETS cannot fit
    days = [date(2026, 1, 1) + timedelta(days=d) for d in range(150)]
    fitted = fit_ets(demand, days, "D", n_jobs=1)
    for row, model in zip(demand[:2], fitted[:2], strict=True):
        alone = AutoETS(season_length=7).fit(row).model_
        assert model.model_["method"] == alone["method"]
        np.testing.assert_allclose(model.model_["par"], alone["par"])
    assert fitted[2] is None


def _daily_world(on_hand: list[float]) -> tuple[World, Stock]:
    """Three series over 40 days of history: A and A2 sell 2 a day and B 1 a day over the
    last 30; 100 a day in the 10 before, which the 30-day average must not see. Leads: A and
    A2 always take 5 days, B 3; B has MOQ 20 and packs of 6."""
    history = 40
    demand = np.zeros((3, history + 5))
    demand[:, :10] = 100.0
    demand[:2, 10:history] = 2.0
    demand[2, 10:history] = 1.0
    series = pl.DataFrame(
        {
            "unique_id": ["A@main", "A2@main", "B@main"],
            "sku": ["A", "A2", "B"],
            "location": ["main"] * 3,
            "unit_cost": [1.0] * 3,
            "supplier_id": ["S1"] * 3,
            "lead_days": [5.0, 5.0, 3.0],
            "moq": [0.0, 0.0, 20.0],
            "pack": [1.0, 1.0, 6.0],
        }
    )
    world = World(
        series=series,
        periods=[date(2026, 1, 1) + timedelta(days=i) for i in range(history + 5)],
        history=history,
        demand=demand,
        leads={("S1", "A"): [5.0], ("S1", "A2"): [5.0], ("S1", "B"): [3.0]},
        known_leads={},
        quoted={},
        start_on_hand=None,
        pending=pl.DataFrame(),
        freq="D",
        seed=0,
    )
    stock = Stock(np.array(on_hand), np.zeros(3), np.zeros((3, 5)), [])
    return world, stock


def test_min_max_orders_up_to_max_at_or_below_min_and_warns_on_short_cover() -> None:
    # A: daily 2, min 2 x 5 = 10, max 10 + 2 x 14 = 38; position 12 > 10: no order; cover
    # 12 / 2 = 6 days >= 5: no warning.
    # A2: the same rule at position 10 = min: order 38 - 10 = 28; cover 5, not short of 5.
    # B: daily 1, min 3, max 3 + 14 = 17; position 2: need 15, MOQ 20, packs of 6: 24;
    # cover 2 < 3: a warning, at every horizon.
    world, stock = _daily_world([12.0, 10.0, 2.0])
    risk: dict[int, list[np.ndarray]] = {7: [], 14: []}
    qty, lead = min_max(world, 14.0, risk)(0, stock)
    assert qty.tolist() == [0.0, 28.0, 24.0]
    assert lead.tolist() == [5, 5, 3]
    assert [r.tolist() for r in risk[7]] == [[0.0, 0.0, 1.0]] == [r.tolist() for r in risk[14]]


def test_the_same_order_gets_the_same_lead_time_draw_from_the_real_ones() -> None:
    # every policy draws through World.draw_lead, seeded by (seed, series, period, supplier):
    # the same order placed twice takes the same time; over periods the draws are the
    # supplier's real lead times, each of them met
    world, _ = _daily_world([0.0, 0.0, 0.0])
    world.leads[("S1", "A")] = [2.0, 9.0, 30.0]
    draws = [world.draw_lead(t, ["S1", "S1", None]) for t in range(60)]
    assert all(
        np.array_equal(d, world.draw_lead(t, ["S1", "S1", None])) for t, d in enumerate(draws)
    )
    assert {d[0] for d in draws} == {2.0, 9.0, 30.0}
    assert {d[1] for d in draws} == {5.0} and {d[2] for d in draws} == {0.0}  # no supplier: 0
