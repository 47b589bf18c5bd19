"""Demand uncertainty: a Poisson-gamma model around the point forecast, fitted on CV errors.

Per series and period, demand Y_t given a path's level L and a period's shock G_t is
Poisson(mean_t * L * G_t), with L ~ Gamma(mean 1, variance `level_var`) drawn once per path
(the forecast's level error persists over the horizon) and G_t ~ Gamma(mean 1, variance
`shock_var`) drawn per period (lumpy sizes). This is the negative binomial of count demand
(Harvey & Fernandes 1989; Snyder, Ord & Beaumont 2012, "Forecasting the intermittent demand
for slow-moving inventories", IJF 28) with a persistent level term, so that the demand summed
over k periods widens like the truth does instead of like k independent draws.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from shortage_radar.forecast.draws import TINY as _TINY
from shortage_radar.forecast.draws import poisson_gamma_paths


def dispersion(errors: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per series shock_var and level_var estimated by moments from cross-validation errors.

    In: one row per (unique_id, cutoff, ds) with y (actual), yhat (forecast, >= 0), and a
    `group` column (the demand class) the level variance is pooled over. Out: unique_id,
    group, overdispersion, shock_var, level_var.
    Moments of the model: E(y - yhat)^2 = yhat + c * yhat^2 per period, with c =
    (1 + level_var)(1 + shock_var) - 1, and for the sum S over a window the pairs of distinct
    periods add level_var * yhat_t * yhat_u. c per series is shrunk toward its group's pooled
    c (weight: the group's median of sum(yhat^2)); level_var is pooled per group.
    """
    err = errors.with_columns(
        e2=(pl.col("y") - pl.col("yhat")) ** 2,
        f2=pl.col("yhat") ** 2,
        e=pl.col("y") - pl.col("yhat"),
    )
    per = err.group_by("unique_id", group).agg(
        a=(pl.col("e2") - pl.col("yhat")).sum(), c2=pl.col("f2").sum()
    )
    pooled = per.group_by(group).agg(
        c_group=pl.when(pl.col("c2").sum() > 0)
        .then(pl.col("a").sum() / pl.col("c2").sum())
        .otherwise(0.0)
        .clip(0.0),
        weight=pl.col("c2").median(),
    )
    # a series forecast 0 throughout (and a class of them) has no squares to scale by
    denominator = pl.col("c2") + pl.col("weight")
    per = per.join(pooled, on=group).with_columns(
        overdispersion=pl.when(denominator > 0)
        .then((pl.col("a") + pl.col("c_group") * pl.col("weight")) / denominator)
        .otherwise(pl.col("c_group"))
        .clip(0.0)
    )
    windows = (
        err.join(per.select("unique_id", "overdispersion"), on="unique_id")
        .group_by("unique_id", group, "cutoff")
        .agg(
            s2=pl.col("e").sum() ** 2,
            var=(pl.col("yhat") + pl.col("overdispersion") * pl.col("f2")).sum(),
            pairs=pl.col("yhat").sum() ** 2 - pl.col("f2").sum(),
        )
        .group_by(group)
        .agg(level_var=((pl.col("s2") - pl.col("var")).sum() / pl.col("pairs").sum()))
        .with_columns(pl.col("level_var").fill_nan(0.0).fill_null(0.0).clip(0.0))
    )
    return (
        per.join(windows, on=group, how="left")
        .with_columns(pl.col("level_var").fill_null(0.0))
        .with_columns(
            level_var=pl.min_horizontal("level_var", "overdispersion"),
        )
        .with_columns(
            shock_var=((1 + pl.col("overdispersion")) / (1 + pl.col("level_var")) - 1).clip(0.0)
        )
        .select("unique_id", group, "overdispersion", "shock_var", "level_var")
    )


def quantiles(mean: np.ndarray, overdispersion: np.ndarray, probs: list[float]) -> np.ndarray:
    """Per-period quantiles, shape mean.shape + (len(probs),): the negative binomial with the
    model's mean and variance (mean + overdispersion * mean^2; Poisson at 0). Integers, >= 0,
    non-decreasing in probs; a mean of 0 gives 0.
    """
    mean = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    c = np.broadcast_to(np.asarray(overdispersion, dtype=float), mean.shape)
    # scipy's inverse CDFs cost microseconds a value, and a series' forecast is mostly the
    # same rate day after day: each distinct (mean, c) is solved once
    pairs, back = np.unique(
        np.stack([mean.ravel(), c.ravel()], axis=1), axis=0, return_inverse=True
    )
    solved = _quantiles(pairs[:, 0], pairs[:, 1], probs)
    return solved[back.ravel()].reshape(*mean.shape, len(probs))


def _quantiles(mean: np.ndarray, c: np.ndarray, probs: list[float]) -> np.ndarray:
    """quantiles() of 1-d means and overdispersions, value by value."""
    out = np.empty((*mean.shape, len(probs)))
    poisson = c < _TINY
    for j, p in enumerate(probs):
        q = np.zeros(mean.shape)
        q[poisson] = stats.poisson.ppf(p, mean[poisson])
        nb = ~poisson & (mean > 0)
        size = 1.0 / c[nb]
        q[nb] = stats.nbinom.ppf(p, size, size / (size + mean[nb]))
        out[..., j] = q
    return np.nan_to_num(out, nan=0.0)


def sample_paths(
    mean: np.ndarray,
    shock_var: np.ndarray,
    level_var: np.ndarray,
    n_paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Demand paths, shape (series, n_paths, horizon), from means of shape (series, horizon).

    The input of anything that needs demand over a span (lead-time demand, stock projection).
    Drawn by draws.poisson_gamma_paths with a seed taken from `rng`.
    """
    return poisson_gamma_paths(mean, shock_var, level_var, n_paths, int(rng.integers(2**63)))


def horizon_sum_quantiles(paths: np.ndarray, k: np.ndarray, probs: list[float]) -> np.ndarray:
    """Quantiles of demand summed over the first k[i] periods of series i: shape (series, probs).

    The lead-time demand distribution: the sum of per-period quantiles would be the demand of
    a path that is at its q-th quantile every period, far too wide for q > 0.5.
    """
    cum = np.cumsum(paths, axis=2)
    idx = np.clip(np.asarray(k, dtype=int) - 1, 0, paths.shape[2] - 1)
    sums = cum[np.arange(paths.shape[0]), :, idx]
    sums = np.where(np.asarray(k)[:, None] <= 0, 0.0, sums)
    return np.asarray(np.quantile(sums, probs, axis=1, method="inverted_cdf")).T


def demand_paths(
    forecasts: pl.DataFrame, params: pl.DataFrame, n_paths: int, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """Sample paths of every series' demand from the forecast tables, for lead-time demand.

    In: `forecasts` (unique_id, ds, mean; every series the same periods, as core.forecasts)
    and `params` (unique_id, shock_var, level_var, as core.forecast_models). Out: the series
    ids in row order and paths of shape (series, n_paths, periods), periods in ds order.
    Seeded: the same inputs give the same paths.
    """
    wide = forecasts.sort("unique_id", "ds").group_by("unique_id", maintain_order=True).agg("mean")
    p = wide.join(params, on="unique_id", how="left").with_columns(
        pl.col("shock_var", "level_var").fill_null(0.0)
    )
    mean = np.array(p["mean"].to_list(), dtype=float).reshape(p.height, -1)
    rng = np.random.default_rng(seed)
    paths = sample_paths(mean, p["shock_var"].to_numpy(), p["level_var"].to_numpy(), n_paths, rng)
    return p["unique_id"].to_list(), paths
