"""The baselines' one-step ETS forecast agrees with statsforecast's forward."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats
from statsforecast.models import AutoETS

from shortage_radar.backtest.baselines import ets_next, fit_ets, normal_loss_k

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
