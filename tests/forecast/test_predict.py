"""The constant rates of new, inactive and failed series; models kept between selections."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.predict import KeptModels, _flat_rates, forecast, plan
from shortage_radar.settings import Settings, load_settings


def test_a_new_series_borrows_its_categorys_typical_rate_not_its_mean() -> None:
    # category "bolts": established rates 1, 2 and 30 a day -> median 2 (the mean, 11, is
    # what one fast mover makes it). NEW sold 1 a day for 2 days; prior 14 days:
    # (2 * 1 + 14 * 2) / (2 + 14) = 30 / 16.
    ids = ["A", "B", "C", "NEW"]
    planned = pl.DataFrame(
        {
            "unique_id": ids,
            "demand_class": ["smooth", "smooth", "smooth", "new"],
            "model": ["AutoETS", "AutoETS", "AutoETS", "NewRate"],
        }
    )
    rate = pl.DataFrame(
        {"unique_id": ids, "rate": [1.0, 2.0, 30.0, 1.0], "n": [28, 28, 28, 2], "long_run": 1.0}
    )
    cats = pl.DataFrame({"unique_id": ids, "category": ["bolts"] * 4})
    got = _flat_rates(planned.filter(unique_id="NEW"), rate, cats, planned, 14.0)
    assert got["mean"].to_list() == [pytest.approx(30 / 16)]


def test_an_inactive_series_gets_zero_or_its_long_run_rate() -> None:
    # OLD sold 0 in its recent window, 3 a day on average over its whole history
    planned = pl.DataFrame(
        {
            "unique_id": ["OLD", "OLD2"],
            "demand_class": ["inactive"] * 2,
            "model": ["Zero", "LongRunRate"],
        }
    )
    rate = pl.DataFrame(
        {"unique_id": ["OLD", "OLD2"], "rate": [0.0, 0.0], "n": [28, 28], "long_run": [3.0, 3.0]}
    )
    cats = pl.DataFrame({"unique_id": ["OLD", "OLD2"], "category": ["bolts"] * 2})
    got = _flat_rates(planned, rate, cats, planned, 14.0).sort("unique_id")
    assert got["mean"].to_list() == [0.0, 3.0]


def _weekly(days: int, start: date = date(2026, 1, 1)) -> pl.DataFrame:
    """Two series with a weekly pattern and noise, `days` days from `start`."""
    rng = np.random.default_rng(7)
    ds = pl.date_range(start, start + timedelta(days=days - 1), eager=True)
    week = np.tile([5.0, 6, 4, 5, 7, 9, 3], days // 7 + 1)[:days]
    return pl.concat(
        pl.DataFrame({"unique_id": u, "ds": ds, "y": week * k + rng.poisson(1.0, days)})
        for u, k in (("A", 1.0), ("B", 2.0))
    )


def _planned(settings: Settings, spec_b: str = "ETS(A,N,A)") -> pl.DataFrame:
    stored = pl.DataFrame(
        {
            "unique_id": ["A", "B"],
            "demand_class": ["smooth", "smooth"],
            "model": ["AutoETS", "AutoETS"],
            "spec": ["ETS(A,N,A)", spec_b],
            "status": ["selected", "selected"],
            "overdispersion": [0.1, 0.1],
            "shock_var": [0.05, 0.05],
            "level_var": [0.05, 0.05],
        }
    )
    classes = stored.select("unique_id", "demand_class")
    return plan(stored, classes, settings)


CATS = pl.DataFrame(schema={"unique_id": pl.String, "category": pl.String})


def test_kept_models_are_fitted_like_the_engine_fits_them() -> None:
    settings = load_settings(horizon=5)
    fit = _weekly(120)
    kept: KeptModels = {}
    mine = forecast(fit, _planned(settings), CATS, settings, Engine("D"), kept)
    theirs = forecast(fit, _planned(settings), CATS, settings, Engine("D"))
    assert mine.rows.equals(theirs.rows)
    assert sorted(kept) == [("AutoETS", "A"), ("AutoETS", "B")]
    assert kept[("AutoETS", "A")].last == fit["ds"].max()


def test_kept_models_run_on_over_the_history_grown_since() -> None:
    # a week later the frame has moved on 7 days (its first week dropped): the model fitted
    # a week ago is applied to what it was fitted on plus the new week, not refitted
    settings = load_settings(horizon=5)
    first, later = _weekly(127).filter(pl.col("ds") < date(2026, 5, 1)), _weekly(127)
    later = later.filter(pl.col("ds") >= date(2026, 1, 8))
    kept: KeptModels = {}
    forecast(first, _planned(settings), CATS, settings, Engine("D"), kept)
    a = kept[("AutoETS", "A")]
    fitted = a.fitted
    grown = _weekly(127).filter(unique_id="A")["y"].to_numpy()
    out = forecast(later, _planned(settings), CATS, settings, Engine("D"), kept)
    assert a.fitted is fitted and np.array_equal(a.y, grown)
    want = fitted.forward(y=grown, h=5)["mean"]
    assert out.rows.filter(unique_id="A")["mean"].to_list() == pytest.approx(want.clip(0.0))
    # not what a refit on the moved frame says
    refit = forecast(later, _planned(settings), CATS, settings, Engine("D"))
    assert not out.rows.equals(refit.rows)


def test_a_series_whose_spec_changed_is_fitted_again() -> None:
    settings = load_settings(horizon=5)
    fit = _weekly(120)
    kept: KeptModels = {}
    forecast(fit, _planned(settings), CATS, settings, Engine("D"), kept)
    before = kept[("AutoETS", "B")].fitted
    forecast(fit, _planned(settings, spec_b="ETS(A,N,N)"), CATS, settings, Engine("D"), kept)
    after = kept[("AutoETS", "B")]
    assert after.fitted is not before and after.spec == "ETS(A,N,N)"


def test_a_combination_of_two_automatic_models_keeps_both() -> None:
    # AutoETS+AutoTheta on one series: each part is kept under its own name, so a week later
    # both run on over the grown history; neither is refitted
    settings = load_settings(horizon=5)
    planned = _planned(settings).with_columns(
        model=pl.lit("AutoETS+AutoTheta"), spec=pl.lit("ETS(A,N,A)+STM")
    )
    kept: KeptModels = {}
    forecast(
        _weekly(127).filter(pl.col("ds") < date(2026, 5, 1)),
        planned,
        CATS,
        settings,
        Engine("D"),
        kept,
    )
    before = {k: v.fitted for k, v in kept.items()}
    assert sorted(before) == [(m, u) for m in ("AutoETS", "AutoTheta") for u in ("A", "B")]
    forecast(_weekly(127), planned, CATS, settings, Engine("D"), kept)
    assert all(kept[k].fitted is f for k, f in before.items())
