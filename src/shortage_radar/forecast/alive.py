"""How likely an inactive series is to sell again within a horizon.

A part that has not sold for a while may have died (superseded, the car model gone) or be
between sales. Two measures of the chance it sells within the horizon, both from data before
the forecast date only:

- recent_rate: a Poisson at its mean over the last year, 1 - exp(-horizon * mean). The rate
  of the last year falls as the silence grows, and reaches zero after a year of it.
- comeback: recency as in "buy till you die" models (Fader, Hardie & Lee 2005, "Counting your
  customers the easy way: an alternative to the Pareto/NBD model", Marketing Science 24),
  measured on the series' own history rather than fitted to a parametric model: at past
  origins, of the series idle there, how many sold within the horizon after, against how many
  would have had they all still been selling at their long-run rate (Poisson), by idle length,
  made non-increasing in it (isotonic regression, weighted by the expected count); a series'
  chance is that share of what its long-run rate gives.

On carparts the last year's rate ranks which idle parts sell again better than idle length
does (BENCHMARKS.md, the carparts backtest): the curve needs idle spells seen at past origins,
which a short history has few of.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

import numpy as np
import polars as pl
from scipy.optimize import isotonic_regression


def _any_sale(rate: pl.Expr, periods: float) -> pl.Expr:
    """P(any demand in `periods` periods) of a Poisson at `rate` a period."""
    return 1 - (-rate * periods).exp()


def idle_state(fit: pl.DataFrame, cut: date, idle: int) -> pl.DataFrame:
    """The series inactive at `cut` (sold before, nothing in the `idle` periods up to and
    including it, more than `idle` periods of history): unique_id, idle_for (periods since the
    last sale), rate (mean of y up to the cut)."""
    before = fit.filter(pl.col("ds") <= cut).sort("unique_id", "ds")
    state = before.group_by("unique_id").agg(
        n=pl.len(),
        # periods after the last one with a sale (null when none: never sold, not idle)
        idle_for=pl.len() - 1 - (pl.col("y") > 0).arg_true().max(),
        rate=pl.col("y").mean(),
    )
    return (
        state.filter(pl.col("idle_for").is_not_null() & (pl.col("idle_for") >= idle))
        .filter(pl.col("n") > idle)
        .select("unique_id", pl.col("idle_for").cast(pl.Int64), "rate")
    )


def comeback_curve(
    fit: pl.DataFrame, idle: int, horizon: int, origins: int, step: int = 1
) -> pl.DataFrame:
    """P(still selling) by idle length: idle_for, alive (in [0, 1], non-increasing).

    Origins: `origins` periods `step` apart, the last the latest whose `horizon` periods
    after are all in `fit`. At each, every idle series scores sold (any y > 0 in the
    horizon) against expected 1 - exp(-rate * horizon); per idle_for, alive =
    sum(sold) / sum(expected), capped at 1.
    Empty when no series was idle at any origin.
    """
    dates = fit["ds"].unique().sort()
    last = dates.len() - horizon - 1
    cuts = [dates[i] for i in range(last, max(-1, last - origins * step), -step)]
    parts = []
    for cut in cuts:
        state = idle_state(fit, cut, idle)
        after = fit.filter(pl.col("ds") > cut).join(state, on="unique_id")
        after = after.filter(pl.col("ds").rank("ordinal").over("unique_id") <= horizon)
        sold = after.group_by("unique_id").agg(sold=(pl.col("y") > 0).any())
        parts.append(state.join(sold, on="unique_id"))
    empty = pl.DataFrame(schema={"idle_for": pl.Int64, "alive": pl.Float64})
    if not parts:
        return empty
    by = (
        pl.concat(parts)
        .group_by("idle_for")
        .agg(
            sold=pl.col("sold").sum().cast(pl.Float64),
            expected=_any_sale(pl.col("rate"), horizon).sum(),
        )
        .filter(pl.col("expected") > 0)
        .sort("idle_for")
    )
    if by.is_empty():
        return empty
    ratio = (by["sold"] / by["expected"]).to_numpy()
    fitted = isotonic_regression(ratio, weights=by["expected"].to_numpy(), increasing=False)
    return by.select("idle_for", alive=pl.Series(np.clip(fitted.x, 0.0, 1.0)))


def sell_chance(
    fit: pl.DataFrame,
    classes: pl.DataFrame,
    idle: int,
    horizon: float,
    *,
    source: Literal["recent_rate", "comeback"],
    year: int,
    origins: int,
    step: int,
) -> pl.DataFrame:
    """Per inactive series (demand_class `inactive` in `classes`) idle at the end of `fit`:
    unique_id and sell_chance, the chance it sells within `horizon` periods (the comeback
    curve is measured over them rounded up).

    recent_rate: 1 - exp(-horizon * its mean over the last `year` periods). comeback: the
    comeback curve (`origins` origins `step` apart) read at its idle length (the nearest
    shorter one measured; the shortest where it is shorter than all), times
    1 - exp(-horizon * its long-run rate); none when the curve is empty.
    """
    empty = pl.DataFrame(schema={"unique_id": pl.String, "sell_chance": pl.Float64})
    ids = classes.filter(pl.col("demand_class") == "inactive").select("unique_id")
    if ids.is_empty():
        return empty
    mine = fit.join(ids, on="unique_id")
    end: date = fit["ds"].max()  # type: ignore[assignment]
    now = idle_state(mine, end, idle)
    if source == "recent_rate":
        recent = mine.sort("ds").group_by("unique_id").agg(rate=pl.col("y").tail(year).mean())
        return (
            now.select("unique_id")
            .join(recent, on="unique_id")
            .select("unique_id", sell_chance=_any_sale(pl.col("rate"), horizon))
        )
    curve = comeback_curve(fit, idle, math.ceil(horizon), origins, step)
    if curve.is_empty():
        return empty
    return (
        now.sort("idle_for")
        .join_asof(curve, on="idle_for", strategy="backward")
        .with_columns(pl.col("alive").fill_null(curve["alive"][0]))
        .select(
            "unique_id",
            sell_chance=pl.col("alive") * _any_sale(pl.col("rate"), horizon),
        )
    )
