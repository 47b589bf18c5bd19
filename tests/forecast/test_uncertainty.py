"""The Poisson-gamma demand model: quantiles, sample paths, k-period sums and their calibration."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from scipy import stats

from shortage_radar.forecast.uncertainty import (
    demand_paths,
    dispersion,
    horizon_sum_quantiles,
    quantiles,
    sample_paths,
)

Array = npt.NDArray[np.float64]
PROBS = [0.5, 0.8, 0.95]


# quantiles ------------------------------------------------------------------------------------


def test_poisson_quantiles_of_mean_two() -> None:
    # Poisson(2) CDF: P(<=1) = 3e^-2 = 0.406, P(<=2) = 5e^-2 = 0.677, P(<=3) = 0.857,
    # P(<=4) = 0.947, P(<=5) = 0.983. The quantile is the first count whose CDF reaches p:
    # q50 = 2, q80 = 3, q95 = 5 (4 falls just short of 0.95).
    got = quantiles(np.array([2.0]), np.array([0.0]), PROBS)
    assert got.tolist() == [[2.0, 3.0, 5.0]]


def test_negative_binomial_quantiles_by_hand() -> None:
    # Mean 2, overdispersion 0.5: size 1/0.5 = 2, p = 2 / (2 + 2) = 0.5, variance 2 + 0.5 * 4 = 4.
    # P(k) = (k + 1) / 2^(k + 2): CDF 0.25, 0.5, 0.6875, 0.8125, 0.8906, 0.9375, 0.9648 for
    # k = 0..6, so q50 = 1, q80 = 3, q95 = 6.
    got = quantiles(np.array([2.0]), np.array([0.5]), PROBS)
    assert got.tolist() == [[1.0, 3.0, 6.0]]


def test_negative_binomial_quantiles_match_scipy() -> None:
    mean = np.array([0.3, 2.0, 7.5, 40.0, 0.05])
    c = np.array([0.5, 2.0, 0.1, 1.2, 8.0])
    got = quantiles(mean, c, PROBS)
    size = 1 / c
    for j, p in enumerate(PROBS):
        want = stats.nbinom.ppf(p, size, size / (size + mean))
        np.testing.assert_array_equal(got[:, j], want)
    # and the mean and variance of those distributions are the model's: m and m + c m^2
    m, v = stats.nbinom.stats(size, size / (size + mean), moments="mv")
    np.testing.assert_allclose(m, mean)
    np.testing.assert_allclose(v, mean + c * mean**2)


def test_quantiles_keep_the_shape_of_the_means() -> None:
    # (series, horizon) means with one overdispersion per series broadcast over the horizon.
    mean = np.array([[2.0, 2.0, 2.0], [2.0, 0.0, 2.0]])
    got = quantiles(mean, np.array([[0.0], [0.5]]), PROBS)
    assert got.shape == (2, 3, 3)
    assert got[0, 1].tolist() == [2.0, 3.0, 5.0]  # Poisson(2)
    assert got[1, 2].tolist() == [1.0, 3.0, 6.0]  # NB(2, 0.5)
    assert got[1, 1].tolist() == [0.0, 0.0, 0.0]


def test_quantiles_are_whole_non_negative_and_non_decreasing() -> None:
    probs = [0.05, 0.25, 0.5, 0.8, 0.9, 0.95, 0.99]
    mean, c = np.meshgrid([-1.0, 0.0, 1e-6, 0.1, 0.7, 3.0, 25.0], [0.0, 1e-12, 0.3, 2.0, 10.0])
    got = quantiles(mean, c, probs)
    assert np.isfinite(got).all()
    assert (got >= 0).all()
    assert (got == np.round(got)).all()
    assert (np.diff(got, axis=-1) >= 0).all()
    # A mean of 0 (or below, clipped) gives 0 for every quantile, Poisson or not.
    assert (got[mean <= 0] == 0).all()


# sample_paths ---------------------------------------------------------------------------------


def sum_variance(m: float, k: int, shock: float, level: float) -> float:
    """Var of S = Y_1 + ... + Y_k with Y_t | L, G_t ~ Poisson(m L G_t), E L = E G = 1.

    Var S = E Var(S | L, G) + Var E(S | L, G) = k m + Var(m L X), X = G_1 + ... + G_k, and
    Var(L X) = E L^2 E X^2 - (E X)^2 = (1 + level)(k shock + k^2) - k^2, so
    Var S = k m + m^2 (k shock (1 + level) + k^2 level)
          = k m + c k m^2 + level (k^2 - k) m^2,  c = (1 + level)(1 + shock) - 1.
    """
    return k * m + m**2 * (k * shock * (1 + level) + k**2 * level)


def variance_se(x: Array) -> float:
    """Standard error of the sample variance of i.i.d. draws x: sd((x - mean)^2) / sqrt(n)."""
    return float(((x - x.mean()) ** 2).std() / np.sqrt(x.size))


def assert_variance(x: Array, want: float) -> None:
    """The sample variance of i.i.d. draws x is `want` within 4 standard errors."""
    got = x.var(ddof=1)
    assert abs(got - want) < 4 * variance_se(x), f"variance {got}, want {want}"


def test_sample_paths_shape() -> None:
    rng = np.random.default_rng(0)
    paths = sample_paths(np.ones((3, 5)), np.zeros(3), np.zeros(3), 7, rng)
    assert paths.shape == (3, 7, 5)
    assert paths.dtype == np.float64
    assert (paths >= 0).all()
    assert (paths == np.round(paths)).all()  # counts


def test_zero_mean_gives_zero_demand() -> None:
    rng = np.random.default_rng(0)
    paths = sample_paths(np.array([[0.0, -2.0]]), np.array([3.0]), np.array([1.0]), 500, rng)
    assert (paths == 0).all()


def test_without_variances_the_paths_are_poisson() -> None:
    # Mean 3, 20000 paths x 5 periods = 100000 independent Poisson(3) draws. Standard errors:
    # of the mean sqrt(3 / n) = 0.0055; of the sample variance sqrt((mu4 - sigma^4) / n) with
    # Poisson mu4 = m + 3 m^2: sqrt((3 + 18) / n) = 0.0145. Tolerance: 4 standard errors.
    rng = np.random.default_rng(1)
    paths = sample_paths(np.full((1, 5), 3.0), np.zeros(1), np.zeros(1), 20_000, rng)
    draws = paths.ravel()
    n = draws.size
    assert abs(draws.mean() - 3.0) < 4 * np.sqrt(3 / n)
    assert abs(draws.var(ddof=1) - 3.0) < 4 * np.sqrt(21 / n)
    # Periods are independent: the 5-period sum is Poisson(15), variance 15 (mu4 - sigma^4 =
    # 15 + 2 * 225, so the standard error over 20000 paths is sqrt(465 / 20000) = 0.152).
    sums = paths.sum(axis=2).ravel()
    assert abs(sums.var(ddof=1) - 15.0) < 4 * np.sqrt(465 / 20_000)


@pytest.mark.parametrize(
    ("shock", "level"),
    [
        pytest.param(0.5, 0.0, id="shock-only"),
        pytest.param(0.0, 0.1, id="level-only"),
        pytest.param(0.5, 0.1, id="shock-and-level"),
    ],
)
def test_variance_of_the_k_period_sum_follows_the_model(shock: float, level: float) -> None:
    # m = 2, k = 14. shock 0.5, level 0.1: Var S = 28 + 4 (14 * 0.5 * 1.1 + 196 * 0.1) = 137.2,
    # against 28 + c * 14 * 4 = 64.4 (c = 0.65) if the 14 periods were independent draws.
    m, k, n = 2.0, 14, 20_000
    rng = np.random.default_rng(2)
    paths = sample_paths(np.full((1, k), m), np.array([shock]), np.array([level]), n, rng)
    sums = paths[0].sum(axis=1)
    want = sum_variance(m, k, shock, level)
    assert abs(sums.mean() - k * m) < 4 * sums.std() / np.sqrt(n)
    assert_variance(sums, want)
    if level > 0:
        # The persistent level widens the sum beyond independent draws of the same per-period
        # variance: the check above tells the two apart.
        c = (1 + level) * (1 + shock) - 1
        independent = k * m + c * k * m**2
        assert want - independent == pytest.approx(level * (k**2 - k) * m**2)
        assert abs(sums.var(ddof=1) - independent) > 8 * variance_se(sums)


def test_each_series_gets_its_own_parameters() -> None:
    # Series 0 Poisson(2), series 1 with shock 0.5 and level 0.1: per-period variance
    # m + c m^2 = 2 + 0.65 * 4 = 4.6 vs 2; their 14-period sums 28 vs 137.2.
    rng = np.random.default_rng(3)
    paths = sample_paths(
        np.full((2, 14), 2.0), np.array([0.0, 0.5]), np.array([0.0, 0.1]), 20_000, rng
    )
    sums = paths.sum(axis=2)
    assert_variance(sums[0], sum_variance(2.0, 14, 0.0, 0.0))
    assert_variance(sums[1], sum_variance(2.0, 14, 0.5, 0.1))
    assert_variance(paths[0, :, 0], 2.0)  # period 1 of each path: independent draws
    assert_variance(paths[1, :, 0], 4.6)


# horizon_sum_quantiles ------------------------------------------------------------------------


def test_horizon_sum_quantiles_by_hand() -> None:
    paths = np.array(
        [
            # series 0, k = 2: path sums 1, 0, 4, 4
            [[1, 0, 2], [0, 0, 0], [3, 1, 0], [2, 2, 2]],
            # series 1, k = 3: path sums 5, 3, 9, 6
            [[1, 2, 2], [0, 3, 0], [3, 3, 3], [2, 2, 2]],
            # series 2, k = 0: nothing to sum
            [[5, 5, 5], [5, 5, 5], [5, 5, 5], [5, 5, 5]],
        ],
        dtype=float,
    )
    got = horizon_sum_quantiles(paths, np.array([2, 3, 0]), [0.25, 0.5, 0.8])
    assert got.shape == (3, 3)
    # The first sum whose empirical CDF reaches p: series 0 sorted 0, 1, 4, 4 -> 0, 1, 4;
    # series 1 sorted 3, 5, 6, 9 -> 3, 5, 9.
    assert got.tolist() == [[0.0, 1.0, 4.0], [3.0, 5.0, 9.0], [0.0, 0.0, 0.0]]


N_SERIES, TRAIN, FUTURE, CV_WINDOWS, CV_H, N_PATHS = 1000, 200, 28, 3, 28, 1000


def true_demand(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    if kind == "poisson":  # i.i.d. Poisson, 0.7 a day
        return rng.poisson(0.7, shape).astype(np.float64)
    # i.i.d. negative binomial, mean 2, size 0.5: numpy's p = 0.5 / (0.5 + 2) = 0.2,
    # variance 2 + 2^2 / 0.5 = 10 (overdispersion c = 2).
    return rng.negative_binomial(0.5, 0.2, shape).astype(np.float64)


@cache
def world(kind: str) -> tuple[Array, Array, pl.DataFrame]:
    """Per series the training history, the true future and the parameters estimated.

    The forecast is the mean of the history. Pseudo cross-validation on the history: 3 windows
    of 28 days ending at its end, each forecast by the mean of the days before it.
    """
    rng = np.random.default_rng({"poisson": 11, "nb": 12}[kind])
    history = true_demand(kind, rng, (N_SERIES, TRAIN))
    future = true_demand(kind, rng, (N_SERIES, FUTURE))
    ids = np.repeat(np.arange(N_SERIES), CV_H)
    windows = []
    for w in range(CV_WINDOWS):
        start = TRAIN - CV_H * (CV_WINDOWS - w)
        windows.append(
            pl.DataFrame(
                {
                    "unique_id": ids,
                    "cutoff": w,
                    "ds": np.tile(np.arange(start, start + CV_H), N_SERIES),
                    "y": history[:, start : start + CV_H].ravel(),
                    "yhat": np.repeat(history[:, :start].mean(axis=1), CV_H),
                    "demand_class": "one",
                }
            )
        )
    params = dispersion(pl.concat(windows), "demand_class").sort("unique_id")
    assert params["unique_id"].to_list() == list(range(N_SERIES))
    return history, future, params


def horizon_quantiles(kind: str, ks: list[int], probs: list[float]) -> dict[int, Array]:
    """k-period sum quantiles per series from sample paths of the estimated model."""
    history, _, params = world(kind)
    mean = np.repeat(history.mean(axis=1, keepdims=True), FUTURE, axis=1)
    shock, level = params["shock_var"].to_numpy(), params["level_var"].to_numpy()
    rng = np.random.default_rng(13)
    out: dict[int, list[Array]] = {k: [] for k in ks}
    for i in range(0, N_SERIES, 100):  # 100 series at a time keeps the paths small
        part = slice(i, i + 100)
        paths = sample_paths(mean[part], shock[part], level[part], N_PATHS, rng)
        for k in ks:
            out[k].append(horizon_sum_quantiles(paths, np.full(paths.shape[0], k), probs))
    return {k: np.concatenate(v) for k, v in out.items()}


@pytest.mark.parametrize("kind", ["poisson", "nb"])
def test_k_period_sum_quantiles_are_calibrated(kind: str) -> None:
    # 1000 series whose truth is known. The share of series whose true future k-sum is at most
    # their q80 (q95) should be 0.80 (0.95): binomial standard errors sqrt(p (1 - p) / 1000) =
    # 0.013 (0.007). Tolerance 0.04: about 3 standard errors at q80, and room at q95 for the
    # error of the parameters estimated from 200 days and of quantiles from 1000 paths.
    # Sums are counts, so a calibrated quantile q satisfies P(S < q) <= p <= P(S <= q): the
    # check brackets p between the two shares (for Poisson(9.8) a step of ~0.1 near q80).
    probs, tol = [0.8, 0.95], 0.04
    _, future, params = world(kind)
    if kind == "poisson":  # the truth is Poisson: little overdispersion is found
        assert np.median(params["overdispersion"].to_numpy()) < 0.05
    else:  # c = 2
        assert np.median(params["overdispersion"].to_numpy()) == pytest.approx(2.0, abs=0.3)
    for k, q in horizon_quantiles(kind, [14, 28], probs).items():
        s = future[:, :k].sum(axis=1, keepdims=True)
        below, at_or_below = (s < q).mean(axis=0), (s <= q).mean(axis=0)
        for p, lo, hi in zip(probs, below, at_or_below, strict=True):
            assert lo - tol <= p <= hi + tol, f"k={k} p={p}: P(S < q) {lo}, P(S <= q) {hi}"


@pytest.mark.parametrize("kind", ["poisson", "nb"])
def test_summed_per_period_quantiles_over_cover(kind: str) -> None:
    # The reason horizon_sum_quantiles exists: a path at its 95th percentile every one of k
    # periods is far rarer than 5%, so the sum of per-period q95 covers nearly every series.
    history, future, params = world(kind)
    mean = history.mean(axis=1)
    q95 = quantiles(mean, params["overdispersion"].to_numpy(), [0.95])[:, 0]
    for k in (14, 28):
        s = future[:, :k].sum(axis=1)
        assert (s <= k * q95).mean() > 0.99


def test_a_poisson_model_of_negative_binomial_demand_fails_the_check() -> None:
    # The calibration check has teeth: ignoring the overdispersion of the NB series (the sum of
    # k Poisson(m) is Poisson(k m)) covers far fewer than 95% of the true 14-day sums.
    history, future, _ = world("nb")
    q95 = stats.poisson.ppf(0.95, 14 * history.mean(axis=1))
    assert (future[:, :14].sum(axis=1) <= q95).mean() < 0.85


# dispersion -----------------------------------------------------------------------------------


def errors(rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows).with_columns(pl.col("y", "yhat").cast(pl.Float64))


def by_id(df: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["unique_id"]: r for r in df.iter_rows(named=True)}


def test_perfect_forecasts_have_no_dispersion() -> None:
    # y = yhat: sum of e^2 - yhat = -sum yhat < 0, clipped to 0 (less spread than Poisson).
    df = errors(
        {
            "unique_id": ["A", "A", "A", "A"],
            "cutoff": [1, 1, 2, 2],
            "y": [2, 3, 1, 4],
            "yhat": [2, 3, 1, 4],
            "demand_class": "smooth",
        }
    )
    got = by_id(dispersion(df, "demand_class"))["A"]
    assert (got["overdispersion"], got["shock_var"], got["level_var"]) == (0.0, 0.0, 0.0)


def test_dispersion_of_one_series_by_hand() -> None:
    # yhat 1 throughout. Window 1: y = 5, 1 (e = 4, 0); window 2: y = 0, 0 (e = -1, -1).
    # Per period sum(e^2 - yhat) = 15 - 1 + 0 + 0 = 14 over sum(yhat^2) = 4: c = 3.5 (one
    # series: its own c is the group's, so shrinking changes nothing).
    # Windows: (sum e)^2 = 16 and 4; expected from per-period terms sum(yhat + c yhat^2) = 9
    # each; pairs (sum yhat)^2 - sum yhat^2 = 2 each: level = (16 - 9 + 4 - 9) / 4 = 0.5.
    # shock = (1 + 3.5) / (1 + 0.5) - 1 = 2.
    df = errors(
        {
            "unique_id": ["A"] * 4,
            "cutoff": [1, 1, 2, 2],
            "y": [5, 1, 0, 0],
            "yhat": [1, 1, 1, 1],
            "demand_class": "lumpy",
        }
    )
    got = by_id(dispersion(df, "demand_class"))["A"]
    assert got["demand_class"] == "lumpy"
    assert got["overdispersion"] == pytest.approx(3.5)
    assert got["level_var"] == pytest.approx(0.5)
    assert got["shock_var"] == pytest.approx(2.0)


def test_overdispersion_is_shrunk_toward_the_group_and_level_pooled() -> None:
    # A: yhat 1, 1; y 3, 1 -> sum(e^2 - yhat) = 3 - 1 = 2, sum yhat^2 = 2: own c = 1.
    # B: yhat 1, 1; y 4, 2 -> 8 - 0 = 8 over 2: own c = 4. Group c = 10 / 4 = 2.5, weight
    # median(2, 2) = 2: A (2 + 2.5 * 2) / (2 + 2) = 1.75, B (8 + 5) / 4 = 3.25.
    # Level: A (sum e)^2 = 4, expected 2 (1 + 1.75) = 5.5; B 16, expected 2 (1 + 3.25) = 8.5;
    # pairs 2 each: (4 - 5.5 + 16 - 8.5) / 4 = 1.5 for both.
    # shock: A 2.75 / 2.5 - 1 = 0.1, B 4.25 / 2.5 - 1 = 0.7.
    # C is in another class, with forecasts far off: it must change nothing of A and B.
    df = errors(
        {
            "unique_id": ["A", "A", "B", "B", "C", "C"],
            "cutoff": [1] * 6,
            "y": [3, 1, 4, 2, 30, 0],
            "yhat": [1, 1, 1, 1, 1, 1],
            "demand_class": ["erratic"] * 4 + ["lumpy"] * 2,
        }
    )
    got = by_id(dispersion(df, "demand_class"))
    assert got["A"]["overdispersion"] == pytest.approx(1.75)
    assert got["B"]["overdispersion"] == pytest.approx(3.25)
    assert got["A"]["level_var"] == pytest.approx(1.5)
    assert got["B"]["level_var"] == pytest.approx(1.5)
    assert got["A"]["shock_var"] == pytest.approx(0.1)
    assert got["B"]["shock_var"] == pytest.approx(0.7)
    # C alone in lumpy: c = (29^2 - 1 + 1 - 1) / 2 = 420, and its level is its own.
    assert got["C"]["overdispersion"] == pytest.approx(420.0)


def test_level_var_is_at_most_the_overdispersion() -> None:
    # yhat 1; windows y = 2, 2 and 0, 0: per-period e^2 - yhat = 0, so c = 0, but the window
    # sums are off by 2 both times (level estimate (4 - 2 + 4 - 2) / 4 = 1). The level cannot
    # exceed c = (1 + level)(1 + shock) - 1 with shock >= 0: it is capped at 0.
    df = errors(
        {
            "unique_id": ["A"] * 4,
            "cutoff": [1, 1, 2, 2],
            "y": [2, 2, 0, 0],
            "yhat": [1, 1, 1, 1],
            "demand_class": "smooth",
        }
    )
    got = by_id(dispersion(df, "demand_class"))["A"]
    assert (got["overdispersion"], got["shock_var"], got["level_var"]) == (0.0, 0.0, 0.0)


def test_dispersion_invariants_on_random_errors() -> None:
    # 40 series in 2 classes, 3 windows of 7 periods, NB demand around random forecasts.
    rng = np.random.default_rng(5)
    n, w, h = 40, 3, 7
    yhat = np.repeat(rng.uniform(0.0, 6.0, n * w), h)
    size = 0.8
    y = rng.negative_binomial(size, size / (size + np.maximum(yhat, 1e-9)))
    df = pl.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n), w * h),
            "cutoff": np.tile(np.repeat(np.arange(w), h), n),
            "y": y.astype(np.float64),
            "yhat": yhat,
            "demand_class": np.repeat(np.where(np.arange(n) < 20, "smooth", "lumpy"), w * h),
        }
    )
    got = dispersion(df, "demand_class")
    assert got.height == n
    od, shock, level = (got[c].to_numpy() for c in ("overdispersion", "shock_var", "level_var"))
    assert np.isfinite(od).all()
    assert (od >= 0).all() and (shock >= 0).all() and (level >= 0).all()
    assert (level <= od + 1e-12).all()
    np.testing.assert_allclose((1 + level) * (1 + shock) - 1, od, atol=1e-12)
    # level_var is pooled: one value per class, unless capped by a series' overdispersion.
    for _, g in got.group_by("demand_class"):
        uncapped = g.filter(pl.col("level_var") < pl.col("overdispersion"))
        assert uncapped["level_var"].n_unique() <= 1


def test_a_series_forecast_zero_throughout_gets_a_finite_dispersion() -> None:
    # A: yhat 0, 0 and y 2, 0 (sum e^2 - yhat = 4, sum yhat^2 = 0); B: yhat 0, y 0; C: yhat 1, 1
    # and y 1, 2 (sum yhat^2 = 2). Group c = (4 + 0 - 1) / 2 = 1.5, weight median(0, 0, 2) = 0,
    # so A's shrunk c would be 4 / 0: it takes the group's 1.5 instead.
    df = errors(
        {
            "unique_id": ["A", "A", "B", "B", "C", "C"],
            "cutoff": [1] * 6,
            "y": [2, 0, 0, 0, 1, 2],
            "yhat": [0, 0, 0, 0, 1, 1],
            "demand_class": "lumpy",
        }
    )
    got = dispersion(df, "demand_class").sort("unique_id")
    assert np.isfinite(got["overdispersion"].to_numpy()).all()
    assert np.isfinite(got["shock_var"].to_numpy()).all()
    assert got["overdispersion"][0] == pytest.approx(1.5)


def test_demand_paths_from_the_forecast_tables() -> None:
    # two series: "a" at 2 a day with no extra variance (Poisson), "b" at 0 (never demands)
    forecasts = pl.DataFrame(
        {"unique_id": ["b", "a", "a", "b"], "ds": [1, 2, 1, 2], "mean": [0.0, 2.0, 2.0, 0.0]}
    )
    params = pl.DataFrame(
        {"unique_id": ["a", "b"], "shock_var": [0.0, 0.0], "level_var": [0.0, 0.0]}
    )
    ids, paths = demand_paths(forecasts, params, 4000, seed=1)
    assert ids == ["a", "b"] and paths.shape == (2, 4000, 2)
    assert (paths[1] == 0).all()
    # the 2-day sum of Poisson(2) days is Poisson(4): mean 4, standard error 2/sqrt(4000) = 0.03
    assert paths[0].sum(axis=1).mean() == pytest.approx(4.0, abs=0.13)
    again = demand_paths(forecasts, params, 4000, seed=1)[1]
    assert (again == paths).all()
