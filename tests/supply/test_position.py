"""The daily paths of a weekly or monthly forecast keep its period's spread."""

from __future__ import annotations

import numpy as np
import pytest

from shortage_radar.forecast.draws import poisson_gamma_paths
from shortage_radar.supply.position import daily_shock_var


@pytest.mark.parametrize(("freq", "days"), [("D", 1), ("W", 7), ("M", 30)])
def test_a_period_of_daily_paths_varies_as_the_period_forecast_says(freq: str, days: int) -> None:
    # a period's mean 3 with shock variance 0.5: variance 3 + 0.5 x 3^2 = 7.5 (with the
    # period's c on each day a month would vary like 3 + 0.5 x 9 / 30 = 3.15)
    n = 40_000
    shock = daily_shock_var(np.array([0.5]), freq)
    assert shock.tolist() == [0.5 * days]
    paths = poisson_gamma_paths(np.full((1, days), 3.0 / days), shock, np.zeros(1), n, seed=7)
    period = paths[0].sum(axis=1)
    assert period.mean() == pytest.approx(3.0, rel=0.02)
    assert period.var() == pytest.approx(7.5, rel=0.05)
    # and it is the period's negative binomial: P(0) = (1 / (1 + c m))^(1 / c) = 2.5^-2 = 0.16
    assert (period == 0).mean() == pytest.approx(0.16, abs=0.01)
