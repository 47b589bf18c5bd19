"""The frame models are fitted on: recent history, stock-out periods imputed instead of zero."""

from __future__ import annotations

import polars as pl

from shortage_radar.demand.series import from_end


def fit_frame(demand: pl.DataFrame, *, history: int, window: int) -> pl.DataFrame:
    """Per series the last `history` periods as (unique_id, ds, y), censored periods imputed.

    In: core.demand (unique_id, ds, y, censored), sorted by unique_id, ds. A censored period
    (out of stock on some day) shows what was on the shelf, not what was wanted, so its y is
    raised to the mean of the uncensored periods among the `window` before it: the
    "impute the lost demand from the model" treatment of censored demand (Nahmias 1994, and
    the unconstraining step of revenue management, Weatherford & Polt 2002). Sales are a lower
    bound, so y never goes down. With no uncensored period in the window the previous estimate
    carries on; before any, the series' uncensored mean is used.
    """
    seen = pl.col("censored").not_()
    sums = pl.when(seen).then(pl.col("y")).otherwise(0.0).cum_sum().over("unique_id")
    counts = seen.cast(pl.Int64).cum_sum().over("unique_id")
    lagged = [
        (pl.col(c).shift(1) - pl.col(c).shift(window + 1).fill_null(0)).over("unique_id")
        for c in ("_s", "_n")
    ]
    uncensored_mean = pl.col("y").filter(seen).mean().over("unique_id")
    return (
        demand.select("unique_id", "ds", "y", "censored")
        .with_columns(_s=sums, _n=counts)
        .with_columns(
            _est=pl.when(lagged[1] > 0).then(lagged[0] / lagged[1]).forward_fill().over("unique_id")
        )
        .with_columns(
            y=pl.when(pl.col("censored"))
            .then(pl.max_horizontal("y", pl.col("_est").fill_null(uncensored_mean).fill_null(0.0)))
            .otherwise("y")
        )
        .filter(from_end() <= history)
        .select("unique_id", "ds", pl.col("y").cast(pl.Float64))
    )
