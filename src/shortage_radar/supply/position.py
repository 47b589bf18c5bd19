"""Where each series stands today: stock on hand, open customer orders, forecast per day."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from shortage_radar.demand.series import period_start
from shortage_radar.forecast.portfolio import DAYS


def daily_means(
    con: duckdb.DuckDBPyConnection, series: pl.DataFrame, freq: str, as_of: date, days: int
) -> np.ndarray:
    """[series, days] forecast mean demand per day from as_of, in the order of `series`.

    A weekly or monthly forecast is spread evenly over the days of its period; days past the
    forecast horizon repeat the last period's daily rate.
    """
    grid = pl.DataFrame({"day": [as_of + timedelta(days=t) for t in range(days)]}).with_columns(
        ds=period_start(pl.col("day"), freq)
    )
    span = {"D": pl.lit(1), "W": pl.lit(7), "M": pl.col("ds").dt.month_end().dt.day()}[freq]
    fc = con.sql("SELECT unique_id, ds, mean FROM core.forecasts").pl()
    per_day = (
        series.select("unique_id")
        .join(grid, how="cross")
        .join(fc, on=["unique_id", "ds"], how="left")
        .sort("unique_id", "day")
        .with_columns(rate=(pl.col("mean") / span).forward_fill().over("unique_id").fill_null(0.0))
    )
    return per_day["rate"].to_numpy().reshape(series.height, days)


def daily_shock_var(shock_var: np.ndarray, freq: str) -> np.ndarray:
    """[series] the shock variance of the daily paths that keeps a period's own.

    The forecast's shock variance c is of a period's demand (uncertainty.dispersion, fitted
    on period errors), while the paths are drawn a day at a time, P days a period. P
    independent days of negative binomial demand with mean m / P and shape 1 / (P c) have one
    success probability, so they sum to the negative binomial of mean m and shape 1 / c: the
    period's distribution exactly. With c itself the days' shocks would average out, and a
    month would vary like m + c m^2 / 30 instead of m + c m^2.
    """
    return np.asarray(shock_var, dtype=float) * DAYS[freq]


def on_hand_now(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Per (sku, location) the stock at the start of as_of: sku, location, on_hand, snapshot.

    The last inventory snapshot before as_of, less what was sold and plus what was received
    after it (a snapshot a few days old is rolled forward, not taken as today's). No
    snapshot: no row (the projection then starts from 0).
    """
    out: pl.DataFrame = con.sql(
        """
        WITH snap AS (
            SELECT sku, location, arg_max(on_hand, date) AS on_hand, max(date) AS snapshot
            FROM staging.inventory WHERE date < ? GROUP BY ALL
        ), sold AS (
            SELECT s.sku, s.location, sum(s.quantity) AS q FROM staging.sales s
            JOIN snap USING (sku, location) WHERE s.date > snap.snapshot AND s.date < ?
            GROUP BY ALL
        ), got AS (
            SELECT p.sku, p.location, sum(coalesce(p.received_quantity, p.quantity)) AS q
            FROM staging.purchase_orders p JOIN snap USING (sku, location)
            WHERE p.received_date > snap.snapshot AND p.received_date < ?
              AND p.status <> 'cancelled'
            GROUP BY ALL
        )
        SELECT sku, location, greatest(snap.on_hand - coalesce(sold.q, 0) + coalesce(got.q, 0), 0)
            AS on_hand, snapshot
        FROM snap LEFT JOIN sold USING (sku, location) LEFT JOIN got USING (sku, location)
        """,
        params=[as_of, as_of, as_of],
    ).pl()
    return out


def open_customer_orders(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Open customer order lines: order_id, sku, location, requested_date, remaining, day
    (requested - as_of in days; negative: past due)."""
    out: pl.DataFrame = con.sql(
        """
        SELECT order_id, sku, location, customer_id, order_date, requested_date,
               quantity - coalesce(shipped_quantity, 0) AS remaining,
               datediff('day', ?::DATE, requested_date) AS day
        FROM staging.customer_orders
        WHERE coalesce(status, 'open') = 'open' AND order_date < ?
          AND quantity - coalesce(shipped_quantity, 0) > 0
        ORDER BY requested_date, order_id, sku
        """,
        params=[as_of, as_of],
    ).pl()
    return out
