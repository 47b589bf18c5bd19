"""Model choice: the combination candidate, defaults, the form pinned for the automatic
models, and combinations in the daily refit."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from shortage_radar.demand.series import from_end
from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.portfolio import chosen_spec, make_model
from shortage_radar.forecast.predict import forecast
from shortage_radar.forecast.select import (
    _with_specs,
    class_best,
    rolled,
    select,
    with_combinations,
)
from shortage_radar.settings import load_settings

D0 = date(2024, 1, 1)


def _cv(yhat: dict[str, dict[str, list[float]]], y: dict[str, list[float]]) -> pl.DataFrame:
    """CV rows of class `smooth`, one window of len(y) days, per series and model."""
    return pl.DataFrame(
        [
            {
                "unique_id": uid,
                "cutoff": D0,
                "ds": D0 + timedelta(days=i + 1),
                "y": y[uid][i],
                "model": model,
                "yhat": f,
                "demand_class": "smooth",
            }
            for model, per in yhat.items()
            for uid, values in per.items()
            for i, f in enumerate(values)
        ]
    )


def test_the_class_two_best_models_are_combined() -> None:
    # scale 1; actuals A: 2, 2 and B: 4, 4. RMSSE: M1 A |1|,|1| -> 1, B 0 -> mean 0.5;
    # M2 A 0, B |2|,|2| -> 2 -> mean 1.0; M3 A 2, B 2 -> 2. Best two: M1 then M2; their mean
    # M1+M2: A (1 + 2) / 2 = 1.5 and (3 + 2) / 2 = 2.5, B (4 + 2) / 2 = 3
    y = {"A": [2.0, 2.0], "B": [4.0, 4.0]}
    cv = _cv(
        {
            "M1": {"A": [1.0, 3.0], "B": [4.0, 4.0]},
            "M2": {"A": [2.0, 2.0], "B": [2.0, 2.0]},
            "M3": {"A": [4.0, 4.0], "B": [6.0, 6.0]},
        },
        y,
    )
    scale = pl.DataFrame({"unique_id": ["A", "B"], "scale_sq": 1.0, "scale_abs": 1.0})
    portfolio = {"smooth": ("M1", "M2", "M3"), "lumpy": ("M1",)}
    got, extended = with_combinations(cv, scale, portfolio)
    assert extended == {"smooth": ("M1", "M2", "M3", "M1+M2"), "lumpy": ("M1",)}
    combo = got.filter(model="M1+M2").sort("unique_id", "ds")
    assert combo["yhat"].to_list() == [1.5, 2.5, 3.0, 3.0]
    assert combo.columns == cv.columns
    # its RMSSE: A 0.5, B 1 -> class mean 0.75 > M1's 0.5: M1 stays the class's best
    assert class_best(got, scale, extended) == {"smooth": "M1"}


def test_a_combination_is_forecast_as_the_mean_of_its_parts() -> None:
    # y 1, 2, 3, 4: WindowAverage(2) 3.5, Naive 4 -> WindowAverage+Naive 3.75; a series on
    # Naive alone shares the Naive run
    fit = pl.DataFrame(
        {
            "unique_id": ["a"] * 4 + ["b"] * 4,
            "ds": [D0 + timedelta(days=i) for i in range(4)] * 2,
            "y": [1.0, 2.0, 3.0, 4.0, 1.0, 1.0, 1.0, 5.0],
        }
    )
    settings = load_settings(horizon=2, forecast={"window": 2})
    planned = pl.DataFrame(
        {
            "unique_id": ["a", "b"],
            "demand_class": ["smooth", "smooth"],
            "model": ["WindowAverage+Naive", "Naive"],
            "spec": ["+", ""],
            "status": "selected",
            "overdispersion": 0.0,
        }
    )
    cats = pl.DataFrame(schema={"unique_id": pl.String, "category": pl.String})
    out = forecast(fit, planned, cats, settings, Engine("D"))
    assert out.fallbacks == 0
    rows = out.rows.sort("unique_id", "ds")
    assert rows["model"].to_list() == ["WindowAverage+Naive"] * 2 + ["Naive"] * 2
    assert rows["mean"].to_list() == pytest.approx([3.75, 3.75, 5.0, 5.0])


def _wave() -> pl.DataFrame:
    """40 days of 0, 1, 2, 0, 1, 2, ..."""
    return pl.DataFrame(
        {
            "unique_id": ["a"] * 40,
            "ds": [D0 + timedelta(days=i) for i in range(40)],
            "y": [float(i % 3) for i in range(40)],
        }
    )


def test_a_combination_pins_the_form_of_its_automatic_part() -> None:
    fit = _wave()
    models = pl.DataFrame({"unique_id": ["a"], "model": ["WindowAverage+AutoETS"]})
    got = _with_specs(models, fit, load_settings(), Engine("D"), {})[0]["spec"].item()
    empty, ets = got.split("+")
    assert empty == "" and ets.startswith("ETS(")


def test_the_form_validated_in_cross_validation_is_kept_not_searched_again() -> None:
    fit = pl.DataFrame(schema={"unique_id": pl.String, "ds": pl.Date, "y": pl.Float64})
    models = pl.DataFrame({"unique_id": ["a"], "model": ["AutoTheta+AutoETS"]})
    pinned = {
        "AutoETS": pl.DataFrame({"unique_id": ["a", "b"], "spec": ["ETS(A,Ad,N)", "ETS(A,N,N)"]}),
        "AutoTheta": pl.DataFrame({"unique_id": ["a"], "spec": ["DOTM"]}),
    }
    got, _ = _with_specs(models, fit, load_settings(), Engine("D"), pinned)
    assert got["spec"].to_list() == ["DOTM+ETS(A,Ad,N)"]


def test_a_multiplicative_form_is_searched_again_when_zeros_came_later() -> None:
    # ETS(M,N,N) was validated on positive data before the windows; the whole history has
    # zeros, where no multiplicative form fits: the form is searched again on all of it
    fit = _wave()
    models = pl.DataFrame({"unique_id": ["a"], "model": ["AutoETS"]})
    pinned = {"AutoETS": pl.DataFrame({"unique_id": ["a"], "spec": ["ETS(M,N,N)"]})}
    got = _with_specs(models, fit, load_settings(), Engine("D"), pinned)[0]["spec"].item()
    assert got.startswith("ETS(A,")


def test_a_series_too_short_to_fit_gets_no_form_and_the_others_still_do() -> None:
    # statsforecast's AutoETS raises "tiny datasets" on two points, failing its whole call
    new = pl.DataFrame({"unique_id": "new", "ds": [D0, D0 + timedelta(days=1)], "y": [3.0, 1.0]})
    fit = pl.concat([_wave(), new])
    models = pl.DataFrame({"unique_id": ["a", "new"], "model": ["AutoETS", "AutoETS"]})
    got, fitted = _with_specs(models, fit, load_settings(), Engine("D"), {})
    spec = dict(got.select("unique_id", "spec").rows())
    assert spec["a"].startswith("ETS(") and spec["new"] == ""
    assert set(fitted) == {"a"}


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


WEEKLY_START = date(2026, 1, 1)


def _weekly(n: int = 4, days: int = 160) -> pl.DataFrame:
    """n daily series with a weekly pattern, a level that moves, and Poisson noise."""
    rng = np.random.default_rng(11)
    ds = [WEEKLY_START + timedelta(days=d) for d in range(days)]
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


def test_the_pinned_form_is_the_one_cross_validated() -> None:
    settings = load_settings(horizon=7)
    df = _weekly()
    classes = pl.DataFrame({"unique_id": [f"s{i}" for i in range(4)], "demand_class": "smooth"})
    chosen = select(df, classes, settings, Engine("D"), date(2026, 6, 10))
    test = 28 * settings.forecast.cv_windows
    checked = 0
    for uid, models, specs in chosen.models.select("unique_id", "model", "spec").iter_rows():
        y = df.filter(unique_id=uid)["y"].to_numpy()[:-test]
        for model, spec in zip(models.split("+"), specs.split("+"), strict=True):
            if model in ("AutoETS", "AutoTheta"):  # a combination's parts too
                auto = make_model(model, "", "D", settings.forecast).fit(y)
                assert spec == chosen_spec(model, auto)
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("name", ["AutoETS", "AutoTheta"])
def test_rolled_search_fits_equal_statsforecast_cross_validation_without_refit(name: str) -> None:
    df = _weekly()
    cfg = load_settings().forecast
    train = df.filter(from_end() > 7 * 3)
    uids, fitted = Engine("D").fit(train, [make_model(name, "", "D", cfg)])
    fits = dict(zip(uids, fitted[:, 0], strict=True))
    got = rolled(df, fits, name, 7, 3)
    for uid, fit in fits.items():
        form = make_model(name, chosen_spec(name, fit), "D", cfg)
        want = Engine("D").cross_validation(df.filter(unique_id=uid), [form], 7, 3, refit=False)
        assert_frame_equal(got.filter(unique_id=uid), want.select(got.columns), check_exact=True)
