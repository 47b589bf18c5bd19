"""Selection's cross-validation of the automatic models, and the form it pins for them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.portfolio import chosen_spec, make_model
from shortage_radar.forecast.select import _rolled_cv, select
from shortage_radar.settings import load_settings

START = date(2026, 1, 1)


def _weekly(n: int = 4, days: int = 160) -> pl.DataFrame:
    """n daily series with a weekly pattern, a level that moves, and Poisson noise."""
    rng = np.random.default_rng(11)
    ds = [START + timedelta(days=d) for d in range(days)]
    week = np.tile([5.0, 6, 4, 5, 7, 9, 3], days // 7 + 1)[:days]
    return pl.concat(
        pl.DataFrame(
            {
                "unique_id": f"s{i}",
                "ds": ds,
                "y": (week * (1 + i) + np.linspace(0, 3 * i, days) + rng.poisson(2, days)).astype(
                    float
                ),
            }
        )
        for i in range(n)
    )


@pytest.mark.parametrize("name", ["AutoETS", "AutoTheta"])
def test_rolled_cross_validation_is_statsforecasts(name: str) -> None:
    settings = load_settings()
    df = _weekly()
    model = make_model(name, "", "D", settings.forecast)
    theirs = Engine("D").cross_validation(df, [model], 14, 3, refit=False)
    (mine,), fits = _rolled_cv(df, name, settings, 14, 3)
    assert_frame_equal(mine, theirs.select(mine.columns), check_dtypes=False)
    # the model kept per series is the one fitted before the first window
    first = df.filter(unique_id="s1").head(160 - 42)["y"].to_numpy()
    alone = make_model(name, "", "D", settings.forecast).fit(first)
    assert chosen_spec(name, fits["s1"]) == chosen_spec(name, alone)


def test_the_pinned_form_is_the_one_cross_validated() -> None:
    settings = load_settings(horizon=7)
    df = _weekly()
    classes = pl.DataFrame({"unique_id": [f"s{i}" for i in range(4)], "demand_class": "smooth"})
    chosen = select(df, classes, settings, Engine("D"), date(2026, 6, 10))
    test = 28 * settings.forecast.cv_windows
    auto = chosen.models.filter(pl.col("model").is_in(["AutoETS", "AutoTheta"]))
    assert auto.height > 0
    for uid, model, spec in auto.select("unique_id", "model", "spec").iter_rows():
        y = df.filter(unique_id=uid)["y"].to_numpy()[:-test]
        assert spec == chosen_spec(model, make_model(model, "", "D", settings.forecast).fit(y))
