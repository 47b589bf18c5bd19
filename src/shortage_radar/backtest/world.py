"""What a replay runs against: the series, their real demand by period, suppliers and lead times."""

from __future__ import annotations

import zlib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

import duckdb
import numpy as np
import polars as pl

from shortage_radar.demand.series import demand_series
from shortage_radar.forecast.portfolio import DAYS
from shortage_radar.supply.lead_times import supplier_performance
from shortage_radar.supply.position import on_hand_now
from shortage_radar.warehouse import db


@dataclass
class World:
    """The replay's fixed facts, one row per series in `series` order (s) and period (t).

    `demand` holds the periods from `history` periods before the first review on; period
    index 0 of a replay is `periods[history]`.
    """

    series: pl.DataFrame  # unique_id, sku, location, unit_cost, supplier_id, lead_days, moq, pack
    periods: list[date]  # period starts, history included
    history: int  # periods before the first review
    demand: np.ndarray  # [s, periods] units sold
    leads: dict[tuple[str, str], list[float]]  # (supplier, sku) -> lead times it took (days)
    known_leads: dict[tuple[str, str], list[float]]  # the same, of receipts before the start
    quoted: dict[tuple[str | None, str], float]  # (supplier, sku) -> quoted lead time (days)
    start_on_hand: np.ndarray | None  # [s] stock at the start (None: no inventory feed)
    pending: pl.DataFrame  # PO lines open at the start, with `arrives` (their real arrival)
    # and `units` (what then arrived)
    freq: str
    seed: int

    @property
    def replayed(self) -> np.ndarray:
        """[s, t] the demand of the replayed periods."""
        return self.demand[:, self.history :]

    def period_date(self, t: int) -> date:
        """The start date of replay period t (past the data: extrapolated by whole periods)."""
        i = self.history + t
        if i < len(self.periods):
            return self.periods[i]
        extra = i - len(self.periods) + 1
        last = self.periods[-1]
        if self.freq == "M":
            m = last.month - 1 + extra
            return date(last.year + m // 12, m % 12 + 1, 1)
        return last + timedelta(days=extra * DAYS[self.freq])

    def period_of(self, day: date) -> int:
        """The replay period holding `day` (before the start: 0)."""
        return max(0, bisect_right(self.periods, day) - 1 - self.history)

    def lead_periods(self, days: np.ndarray) -> np.ndarray:
        """Days to whole periods (an arrival inside a period counts from the next one)."""
        return np.ceil(np.asarray(days, dtype=float) / DAYS[self.freq]).astype(np.int64)

    def draw_lead(self, t: int, suppliers: list[str | None]) -> np.ndarray:
        """[s] days until an order placed at replay period t with suppliers[s] arrives: a draw
        from the lead times that supplier really took for the sku (the quoted one without
        history; 0 without a supplier), seeded by (seed, series, period, supplier) so every
        policy gets the same draw for the same order."""
        out = np.zeros(len(suppliers))
        for i, (sup, sku) in enumerate(zip(suppliers, self.series["sku"], strict=True)):
            seen = self.leads.get((sup, sku)) if sup is not None else None
            if seen:
                key = [self.seed, i, t, zlib.crc32(sup.encode())] if sup else [self.seed, i, t]
                out[i] = seen[int(np.random.default_rng(key).integers(len(seen)))]
        return out


def build_world(
    con: duckdb.DuckDBPyConnection,
    *,
    start: date,
    end: date,
    freq: str,
    history_days: int,
    seed: int,
) -> World:
    """The world of a replay from the staged feeds: every (sku, location) that sold before
    `end`, is not discontinued and has a supplier; its demand per period from `history_days`
    before `start` (moved to the first whole period from it) to the last whole period of the
    data, and its primary supplier (lowest priority)
    with the lead times each supplier really took (received - ordered on PO lines received
    before `end`, else the quoted lead time); the stock at `start` when there are inventory
    snapshots before it, and then the PO lines open at `start` (without a snapshot the start
    is a clean slate: each policy sets its stock). Discontinued items are left out."""
    (last,) = db.one(con, "SELECT max(date) FROM staging.sales")
    data_end = last + timedelta(days=1) if last else end
    sales = con.sql("SELECT date, sku, location, quantity, stockout FROM staging.sales").pl()
    none = pl.DataFrame(
        schema={"date": pl.Date, "sku": pl.String, "location": pl.String, "on_hand": pl.Float64}
    )
    long = demand_series(sales.lazy(), none.lazy(), freq=freq, as_of=max(data_end, end))
    long = long.filter(pl.col("ds") >= start - timedelta(days=history_days))
    periods = sorted(long["ds"].unique().to_list())
    history = sum(p < start for p in periods)
    if history < len(periods):
        start = periods[history]  # the replay starts with a whole period
    pos = con.sql("SELECT * FROM staging.purchase_orders").pl()
    sup = con.sql("SELECT * FROM staging.supplier_items").pl()
    # Replayed: items on sale before `end` that a supplier sells. Discontinued items and
    # items without a supplier get no orders from our pipeline: replaying them scores nothing.
    gone = con.sql("SELECT sku FROM staging.items WHERE status = 'discontinued'").pl()["sku"]
    sold = long.filter((pl.col("ds") < end) & (pl.col("y") > 0))["unique_id"].unique()
    wide = (
        long.pivot(on="ds", index=["unique_id", "sku", "location"], values="y")
        .filter(
            ~pl.col("sku").is_in(gone.implode()),
            pl.col("unique_id").is_in(sold.implode()),
            pl.col("sku").is_in(sup["sku"].unique().implode()),
        )
        .sort("unique_id")
    )
    demand = wide.select(str(p) for p in periods).to_numpy().astype(float)
    primary = sup.sort("priority", "supplier_id", nulls_last=True).unique("sku", keep="first")
    items = con.sql(
        "SELECT sku, coalesce(unit_cost, unit_price, 0) AS unit_cost FROM staging.items"
    )
    series = (
        wide.select("unique_id", "sku", "location")
        .join(items.pl(), on="sku", how="left")
        .join(
            primary.select(
                "sku", "supplier_id", lead_days="lead_time_days", moq="moq", pack="pack_size"
            ),
            on="sku",
            how="left",
        )
        .with_columns(
            pl.col("unit_cost", "lead_days", "moq").fill_null(0.0),
            pl.col("pack").fill_null(1.0),
        )
        .sort("unique_id")  # the rows of `demand`
    )

    def observed(as_of: date) -> dict[tuple[str, str], list[float]]:
        p = supplier_performance(pos, sup, as_of=as_of, min_receipts=1, recent_days=1, growth=2.0)
        return {
            (r["supplier_id"], r["sku"]): list(r["lead_times"] or [r["quoted_lead_time"] or 0.0])
            for r in p.iter_rows(named=True)
        }

    quoted = {(r["supplier_id"], r["sku"]): r["lead_time_days"] for r in sup.iter_rows(named=True)}
    (snapshots,) = db.one(con, "SELECT count(*) FROM staging.inventory WHERE date < ?", [start])
    on_hand = None
    if snapshots:
        now = series.join(
            on_hand_now(con, start), on=["sku", "location"], how="left", maintain_order="left"
        )
        on_hand = now["on_hand"].fill_null(0.0).to_numpy()
    pending = pos.filter(
        (pl.col("order_date") < start)
        & (pl.col("status") != "cancelled")
        & (
            (pl.col("received_date") >= start)
            | (pl.col("received_date").is_null() & (pl.col("status") == "open"))
        )
        # without a stock count to add them to, the start is a clean slate
        & pl.lit(on_hand is not None)
    ).with_columns(
        arrives=pl.coalesce("received_date", "promised_date"),
        units=pl.when(pl.col("received_date").is_not_null())
        .then(pl.coalesce("received_quantity", "quantity"))
        .otherwise(pl.col("quantity") - pl.col("received_quantity").fill_null(0.0)),
    )
    return World(
        series=series,
        periods=periods,
        history=history,
        demand=np.nan_to_num(demand),
        leads=observed(end),
        known_leads=observed(start),
        quoted=quoted,
        start_on_hand=on_hand,
        pending=pending,
        freq=freq,
        seed=seed,
    )


def start_due(world: World) -> np.ndarray:
    """[s, t] units of the PO lines open at the start, by the replay period they arrive in."""
    n, periods = world.replayed.shape
    due = np.zeros((n, periods))
    index = {
        k: i for i, k in enumerate(zip(world.series["sku"], world.series["location"], strict=True))
    }
    for r in world.pending.iter_rows(named=True):
        i = index.get((r["sku"], r["location"]))
        t = world.period_of(r["arrives"])
        if i is not None and t < periods:
            due[i, t] += r["units"]
    return due


def reviews(world: World, end: date, every: int) -> list[int]:
    """Replay periods of the reviews: the first, then every `every` periods up to `end`."""
    n = sum(p <= end for p in world.periods[world.history :])
    return list(range(0, n, max(every, 1)))


def periods_of(days: float, freq: str) -> int:
    """Whole periods of `freq` covering `days` days (at least 1)."""
    return max(1, ceil(days / DAYS[freq]))
