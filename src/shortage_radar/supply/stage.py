"""The supply stage: lead times, open POs and the stock projection into the core layer."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from shortage_radar.demand.series import period_start
from shortage_radar.forecast.uncertainty import sample_paths
from shortage_radar.settings import Settings
from shortage_radar.supply.inbound import arrival_days, draw, open_lines
from shortage_radar.supply.lead_times import supplier_performance
from shortage_radar.supply.projection import project
from shortage_radar.warehouse import db

# Float cells of one projection chunk (series x paths x days), about 400 MB as float32 arrays
# in flight: the chunk size adapts so 10,000 series never sit in memory at once.
_CHUNK_CELLS = 25_000_000


@dataclass
class SupplyRun:
    """What the stage did, for the run summary."""

    series: int
    open_lines: int
    overdue_lines: int
    at_risk: int  # series with a stock-out probability before replenishment of 0.5 or more


def build_supply(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> SupplyRun:
    """Rebuild core.supplier_performance, open_po_lines, stock_projection and stock_risk.

    Reads the staged feeds and the forecast tables; only what was known before `as_of`.
    """
    cfg = settings.supply
    pos = con.sql("SELECT * FROM staging.purchase_orders WHERE order_date < ?", params=[as_of]).pl()
    sup = con.sql("SELECT * FROM staging.supplier_items").pl()
    perf = supplier_performance(
        pos,
        sup,
        as_of=as_of,
        min_receipts=cfg.min_receipts,
        recent_days=cfg.recent_days,
        growth=cfg.lead_time_growth,
    )
    lines = open_lines(pos, as_of)
    series = con.sql(
        "SELECT unique_id, sku, location, shock_var, level_var FROM core.forecast_models "
        "ORDER BY unique_id"
    ).pl()
    days = cfg.projection_days
    rng = np.random.default_rng(cfg.seed)
    mean = daily_means(con, series, settings.freq, as_of, days)
    stock = on_hand_now(con, as_of)
    orders = open_customer_orders(con, as_of)
    s = (
        series.join(stock, on=["sku", "location"], how="left")
        .join(
            orders.group_by("sku", "location").agg(
                past_due=pl.col("remaining").filter(pl.col("day") < 0).sum()
            ),
            on=["sku", "location"],
            how="left",
        )
        .with_columns(pl.col("on_hand", "past_due").fill_null(0.0))
    )
    index = s.select("sku", "location").with_row_index("s")
    booked = np.zeros((s.height, days))
    b = orders.filter(pl.col("day").is_between(0, days - 1)).join(index, on=["sku", "location"])
    np.add.at(booked, (b["s"].to_numpy(), b["day"].to_numpy()), b["remaining"].to_numpy())
    arrive = arrival_days(lines, perf, as_of, cfg.paths, rng, unknown_delay=cfg.unknown_delay_days)
    li = lines.with_row_index("line").join(index, on=["sku", "location"], how="left")
    replenish = replenishment_days(s, sup, perf, cfg.paths, rng, default=days)
    per_day, per_series = [], []
    chunk = max(1, _CHUNK_CELLS // (cfg.paths * days))
    for lo in range(0, s.height, chunk):
        hi = min(lo + chunk, s.height)
        demand = sample_paths(
            mean[lo:hi],
            s["shock_var"].to_numpy()[lo:hi],
            s["level_var"].to_numpy()[lo:hi],
            cfg.paths,
            rng,
        )
        arrivals = np.zeros((hi - lo, cfg.paths, days))
        mine = li.filter(pl.col("s").is_between(lo, hi - 1))
        if mine.height:
            d = arrive[mine["line"].to_numpy()]
            rows = np.repeat((mine["s"].to_numpy() - lo)[:, None], cfg.paths, axis=1)
            paths = np.broadcast_to(np.arange(cfg.paths), d.shape)
            qty = np.repeat(mine["remaining"].to_numpy()[:, None], cfg.paths, axis=1)
            ok = d < days
            np.add.at(arrivals, (rows[ok], paths[ok], d[ok]), qty[ok])
        p = project(
            s["on_hand"].to_numpy()[lo:hi],
            demand,
            booked[lo:hi],
            s["past_due"].to_numpy()[lo:hi],
            arrivals,
        )
        per_day.append((p.expected_on_hand(), p.stockout_probability(), p.expected_inbound()))
        prob, short = p.risk_before(replenish[lo:hi])
        when = _median_first_stockout(p.first_stockout(), days)
        per_series.append((prob, short, when))
    ds = [as_of + timedelta(days=t) for t in range(days)]
    projection = _stack(s, ds, per_day)
    risk = _risk(s, as_of, mean, replenish, per_series, lines)
    tables = {
        "supplier_performance": perf,
        "open_po_lines": _with_arrival_dates(lines, arrive, as_of),
        "stock_projection": projection,
        "stock_risk": risk,
    }
    with db.transaction(con):
        for table, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE core.{table} AS SELECT * FROM frame")  # noqa: S608
            con.unregister("frame")
    return SupplyRun(
        series=s.height,
        open_lines=lines.height,
        overdue_lines=int(lines["overdue"].sum()),
        at_risk=int((risk["stockout_probability"] >= 0.5).sum()),
    )


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
        SELECT order_id, sku, location, customer_id, requested_date,
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


def replenishment_days(
    series: pl.DataFrame,
    supplier_items: pl.DataFrame,
    performance: pl.DataFrame,
    n_paths: int,
    rng: np.random.Generator,
    *,
    default: int,
) -> np.ndarray:
    """[series, paths] days until an order placed today with the primary supplier arrives,
    drawn from its learned lead times; `default` (beyond the projection) without a supplier."""
    primary = (
        supplier_items.sort("priority", "supplier_id", nulls_last=True)
        .unique("sku", keep="first")
        .select("sku", "supplier_id")
        .join(performance.select("supplier_id", "sku", "lead_times"), on=["supplier_id", "sku"])
    )
    cand = (
        series.select("sku")
        .with_row_index("s")
        .join(primary, on="sku")
        .explode("lead_times")
        .sort("s")
    )
    return draw(
        cand["s"].to_numpy(), cand["lead_times"].to_numpy(), series.height, n_paths, rng, default
    )


def _median_first_stockout(first: np.ndarray, days: int) -> np.ndarray:
    """Per series the median first stock-out day of the paths that run out; NaN if none does."""
    runs_out = np.where(first < days, first, np.nan)
    with warnings.catch_warnings():  # a series whose paths never run out: NaN, as wanted
        warnings.simplefilter("ignore", RuntimeWarning)
        med: np.ndarray = np.nanmedian(runs_out, axis=1)
    return med


def _stack(
    s: pl.DataFrame, ds: list[date], per_day: Sequence[tuple[np.ndarray, ...]]
) -> pl.DataFrame:
    """The per-day arrays of all chunks as the long stock_projection table."""
    if not per_day:
        return pl.DataFrame(
            schema={
                "unique_id": pl.String,
                "sku": pl.String,
                "location": pl.String,
                "ds": pl.Date,
                "expected_on_hand": pl.Float64,
                "stockout_probability": pl.Float64,
                "inbound_quantity": pl.Float64,
            }
        )
    on_hand, p_out, inbound = (np.concatenate([c[i] for c in per_day]) for i in range(3))
    n, h = on_hand.shape
    return pl.DataFrame(
        {
            "unique_id": np.repeat(s["unique_id"].to_numpy(), h),
            "sku": np.repeat(s["sku"].to_numpy(), h),
            "location": np.repeat(s["location"].to_numpy(), h),
            "ds": pl.Series(ds * n, dtype=pl.Date),
            "expected_on_hand": on_hand.ravel(),
            "stockout_probability": p_out.ravel(),
            "inbound_quantity": inbound.ravel(),
        }
    )


def _risk(
    s: pl.DataFrame,
    as_of: date,
    mean: np.ndarray,
    replenish: np.ndarray,
    per_series: Sequence[tuple[np.ndarray, ...]],
    lines: pl.DataFrame,
) -> pl.DataFrame:
    """Per series the risk figures a warning is made of."""
    prob, short, when = (
        (np.concatenate([c[i] for c in per_series]) if per_series else np.zeros(0))
        for i in range(3)
    )
    rate = mean.mean(axis=1) if mean.size else np.zeros(s.height)
    on_po = lines.group_by("sku", "location").agg(open_po_quantity=pl.col("remaining").sum())
    return (
        s.select("unique_id", "sku", "location", "on_hand", "past_due", snapshot="snapshot")
        .with_columns(
            stockout_probability=pl.Series(prob),
            expected_units_short=pl.Series(short),
            first_stockout_day=pl.Series(when),
            replenishment_days=pl.Series(
                np.median(replenish, axis=1) if replenish.size else np.zeros(0)
            ),
            daily_demand=pl.Series(rate),
        )
        .with_columns(
            expected_stockout_date=pl.when(pl.col("first_stockout_day").is_not_nan()).then(
                pl.lit(as_of)
                + pl.duration(days=pl.col("first_stockout_day").fill_nan(0).round().cast(pl.Int64))
            ),
            days_of_cover=pl.when(pl.col("daily_demand") > 0).then(
                pl.col("on_hand") / pl.col("daily_demand")
            ),
        )
        .join(on_po, on=["sku", "location"], how="left")
        .with_columns(pl.col("open_po_quantity").fill_null(0.0))
        .drop("first_stockout_day")
    )


def _with_arrival_dates(lines: pl.DataFrame, arrive: np.ndarray, as_of: date) -> pl.DataFrame:
    """Open PO lines with their median and 90th-percentile arrival dates."""
    if not lines.height:
        return lines.with_columns(
            arrival_p50=pl.lit(None, pl.Date), arrival_p90=pl.lit(None, pl.Date)
        )
    q = np.quantile(arrive, [0.5, 0.9], axis=1, method="inverted_cdf").astype(np.int64)
    return (
        lines.with_columns(_p50=q[0], _p90=q[1])
        .with_columns(
            arrival_p50=pl.lit(as_of) + pl.duration(days="_p50"),
            arrival_p90=pl.lit(as_of) + pl.duration(days="_p90"),
        )
        .drop("_p50", "_p90")
    )
