"""Quantile methods: empirical quantiles, their mix with the negative binomial, their CV scores."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from shortage_radar.forecast.predict import plan
from shortage_radar.forecast.select import add_quantiles, keep_best
from shortage_radar.forecast.spread import (
    cv_pinball,
    idle_windows,
    method_quantiles,
    recent_quantiles,
)
from shortage_radar.settings import Settings

PROBS = [0.5, 0.8, 0.95]
D0 = date(2024, 1, 1)


def _series(**ys: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"unique_id": uid, "ds": D0 + timedelta(days=i), "y": float(y)}
            for uid, values in ys.items()
            for i, y in enumerate(values)
        ]
    )


def test_recent_quantiles_of_the_last_periods() -> None:
    # last 5 of A: 0, 2, 0, 0, 3 -> sorted 0, 0, 0, 2, 3; positions ceil(p * 4): q50 -> 2 (0),
    # q80 -> ceil(3.2) = 4 (3), q95 -> ceil(3.8) = 4 (3)
    fit = _series(A=[0, 0, 0, 5, 1, 0, 2, 0, 0, 3])
    got = recent_quantiles(fit, PROBS, 5)
    assert got.row(0, named=True) == {"unique_id": "A", "e50": 0.0, "e80": 3.0, "e95": 3.0}
    # up to the cutoff of day 6 (index 5): last 5 are 0, 0, 5, 1, 0 -> sorted 0, 0, 0, 1, 5
    cut = pl.DataFrame({"unique_id": ["A"], "cutoff": [D0 + timedelta(days=5)]})
    got = recent_quantiles(fit, PROBS, 5, cut).drop("unique_id", "cutoff")
    assert got.row(0) == (0.0, 5.0, 5.0)


def test_method_quantiles_by_hand() -> None:
    # mean 2, overdispersion 0.5: negative binomial 1, 3, 6 (see test_uncertainty);
    # empirical 0, 2, 3; Mix: ceil of the averages 0.5, 2.5, 4.5 -> 1, 3, 5; no empirical
    # quantiles (NaN): the negative binomial whatever the method
    mean = np.full(4, 2.0)
    c = np.full(4, 0.5)
    emp = np.array([[0.0, 2.0, 3.0]] * 3 + [[np.nan] * 3])
    method = np.array(["NegBin", "Empirical", "Mix", "Empirical"])
    got = method_quantiles(mean, c, emp, method, PROBS)
    assert got.tolist() == [[1, 3, 6], [0, 2, 3], [1, 3, 5], [1, 3, 6]]


def test_add_quantiles_uses_each_series_method() -> None:
    frame = pl.DataFrame({"unique_id": ["A", "B"], "mean": [2.0, 2.0]})
    params = pl.DataFrame(
        {"unique_id": ["A", "B"], "overdispersion": [0.5, 0.5], "quantile_method": ["Mix", None]}
    )
    recent = pl.DataFrame({"unique_id": ["A", "B"], "e50": 0.0, "e80": 2.0, "e95": 3.0})
    got = add_quantiles(frame, params, PROBS, recent)
    assert got.select("q50", "q80", "q95").rows() == [(1, 3, 5), (1, 3, 6)]  # B: NegBin


def test_cv_pinball_by_hand() -> None:
    # History up to the cutoff 0, 0, 2, 0: scale_abs = mean |diff| = (0 + 2 + 2) / 3 = 4/3;
    # empirical quantiles (last 4) sorted 0, 0, 0, 2: q50 -> position 2 (0), q80 and q95 ->
    # position 3 (2). Forecast 1 a day, overdispersion 0 (Poisson(1): 1, 2, 3).
    # Actuals 0 then 4. Pinball mean over probs:
    #   NegBin (1, 2, 3): y=0 -> (.5 + .4 + .15) / 3 = .35; y=4 -> (1.5 + 1.6 + .95) / 3 = 1.35
    #   -> mean .85, scaled .6375
    #   Empirical (0, 2, 2): y=0 -> (0 + .4 + .1) / 3; y=4 -> (2 + 1.6 + 1.9) / 3 -> mean 1.0,
    #   scaled .75
    #   Mix (ceil(.5), 2, ceil(2.5)) = (1, 2, 3): as NegBin
    fit = _series(A=[0, 0, 2, 0, 0, 4])
    cut = D0 + timedelta(days=3)
    rows = fit.filter(pl.col("ds") > cut).with_columns(
        demand_class=pl.lit("smooth"), cutoff=pl.lit(cut), yhat=pl.lit(1.0)
    )
    params = pl.DataFrame({"unique_id": ["A"], "overdispersion": [0.0]})
    got = cv_pinball(rows, fit, params, PROBS, 4)
    score = dict(zip(got["method"], got["score"], strict=True))
    assert score == pytest.approx({"NegBin": 0.6375, "Empirical": 0.75, "Mix": 0.6375})


def test_idle_windows_take_series_without_recent_demand() -> None:
    # cutoff day 4 (index 3), idle 3 periods: A sold on day 1 only -> inactive, its next 2 days
    # are rows (yhat 0, or its mean up to the cutoff 1/4); B sold on day 3 -> active; C never
    # sold -> not a series that went quiet
    fit = _series(A=[1, 0, 0, 0, 2, 0, 5], B=[0, 0, 1, 0, 0, 0, 0], C=[0] * 7)
    cut = D0 + timedelta(days=3)
    got = idle_windows(fit, [cut], idle=3, h=2, long_run=False)
    assert got.select("unique_id", "y", "yhat").rows() == [("A", 2.0, 0.0), ("A", 0.0, 0.0)]
    assert set(got["demand_class"]) == {"inactive"}
    got = idle_windows(fit, [cut], idle=3, h=2, long_run=True)
    assert got["yhat"].to_list() == [0.25, 0.25]


def test_keep_best_keeps_the_class_choice_unless_beaten_by_the_margin() -> None:
    # class means: NegBin 1.0, Empirical (0.95 + 0.85 + 1.5) / 3 = 1.1 -> NegBin.
    # A: Empirical 0.95 is not below 1.0 * (1 - 0.1) = 0.9 -> NegBin; B: 0.85 is -> Empirical
    score = pl.DataFrame(
        {
            "unique_id": ["A", "A", "B", "B", "C", "C"],
            "demand_class": ["lumpy"] * 6,
            "method": ["NegBin", "Empirical"] * 3,
            "score": [1.0, 0.95, 1.0, 0.85, 1.0, 1.5],
            "rank": [0, 1] * 3,
        }
    )
    got = keep_best(score, "method", "score", 0.1).sort("unique_id")
    assert got["method"].to_list() == ["NegBin", "Empirical", "NegBin"]


def test_plan_gives_inactive_and_unselected_series_their_class_method() -> None:
    stored = pl.DataFrame(
        {
            "unique_id": ["A", "B", "OLD"],
            "demand_class": ["lumpy", "lumpy", "inactive"],
            "model": ["TSB", "TSB", "Zero"],
            "spec": "",
            "status": ["selected", "selected", "inactive"],
            "overdispersion": 0.1,
            "shock_var": 0.1,
            "level_var": 0.0,
            "quantile_method": ["Mix", "Mix", "Empirical"],
        }
    )
    classes = pl.DataFrame(
        {
            "unique_id": ["A", "C", "OLD", "OLD2", "NEW", "B"],
            "demand_class": ["lumpy", "lumpy", "inactive", "inactive", "new", "smooth"],
        }
    )
    got = plan(stored, classes, Settings())
    method = dict(zip(got["unique_id"], got["quantile_method"], strict=True))
    # C: no choice of its own -> the lumpy class's; OLD2: inactive -> the inactive class's;
    # NEW: NegBin; B moved to smooth, a class with no method stored: keeps its own
    assert method == {
        "A": "Mix",
        "C": "Mix",
        "OLD": "Empirical",
        "OLD2": "Empirical",
        "NEW": "NegBin",
        "B": "Mix",
    }
    # a stored inactive row never gives an active series its model: back from inactive, OLD
    # gets the one its class chose most (TSB), not the class's first (CrostonSBA)
    old = pl.DataFrame({"unique_id": ["OLD"], "demand_class": ["lumpy"]})
    assert plan(stored, old, Settings())["model"].to_list() == ["TSB"]


def test_a_series_without_a_choice_gets_its_classs_most_chosen_model_unpinned() -> None:
    # intermittent chose ADIDA+IMAPA twice (one pinned to specs "a+b") and TSB once; smooth
    # chose nothing: C gets the combination unpinned (one empty spec per part), S the
    # smooth class's first model (AutoETS)
    stored = pl.DataFrame(
        {
            "unique_id": ["A", "B", "T"],
            "demand_class": "intermittent",
            "model": ["ADIDA+IMAPA", "ADIDA+IMAPA", "TSB"],
            "spec": ["a+b", "+", ""],
            "status": "selected",
            "overdispersion": 0.1,
            "shock_var": 0.1,
            "level_var": 0.0,
            "quantile_method": "NegBin",
        }
    )
    classes = pl.DataFrame(
        {"unique_id": ["A", "C", "S"], "demand_class": ["intermittent", "intermittent", "smooth"]}
    )
    got = plan(stored, classes, Settings()).sort("unique_id")
    assert got.select("unique_id", "model", "spec", "status").rows() == [
        ("A", "ADIDA+IMAPA", "a+b", "selected"),
        ("C", "ADIDA+IMAPA", "+", "default"),
        ("S", "AutoETS", "", "default"),
    ]
