"""Model selection: which series are cross-validated, and what their errors give."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.select import select
from shortage_radar.settings import load_settings


def _monthly(uid: str, n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.negative_binomial(1, 0.3, n) * (rng.random(n) < 0.5)  # lumpy, overdispersed
    ds = pl.date_range(date(2000, 1, 1), date(2009, 12, 1), "1mo", eager=True)[:n]
    return pl.DataFrame({"unique_id": uid, "ds": ds, "y": y.astype(float)})


def test_a_young_series_is_cross_validated_on_the_models_without_a_season() -> None:
    # monthly, 3 windows of 6: a non-seasonal model needs 18 + 6 = 24 months, a seasonal one
    # 18 + 24 = 42; before, both waited 42 months and got no dispersion (Poisson paths)
    settings = load_settings(freq="M")
    fit = pl.concat(
        [_monthly("young", 24, 1), _monthly("toddler", 23, 2), _monthly("smooth", 30, 3)]
    )
    classes = pl.DataFrame(
        {
            "unique_id": ["young", "toddler", "smooth"],
            "demand_class": ["lumpy", "lumpy", "smooth"],
        }
    )
    chosen = select(fit, classes, settings, Engine("M"), date(2002, 1, 1)).models
    by = {r["unique_id"]: r for r in chosen.to_dicts()}
    assert by["young"]["status"] == "selected"
    assert by["toddler"]["status"] == "default"  # one month short of the first window
    assert by["smooth"]["status"] == "selected"
    assert by["smooth"]["model"] == "WindowAverage"  # the only candidate without a season
    assert by["young"]["overdispersion"] > 0  # measured, not the Poisson of no errors
