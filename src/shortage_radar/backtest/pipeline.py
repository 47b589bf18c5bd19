"""Our policy in a replay: the daily pipeline run at each review on the simulated stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from shortage_radar.backtest.inventory import Policy, Stock
from shortage_radar.backtest.world import World
from shortage_radar.demand.stage import build_demand
from shortage_radar.forecast.portfolio import DAYS
from shortage_radar.forecast.predict import KeptModels
from shortage_radar.forecast.stage import build_forecasts
from shortage_radar.settings import Settings
from shortage_radar.supply.simulate import PathMemo
from shortage_radar.supply.stage import build_supply
from shortage_radar.warehouse import db

# Rows the replay writes into staging carry this load_id, so they can be told from the feeds.
SIMULATED = -1


def prepare(con: duckdb.DuckDBPyConnection, world: World) -> None:
    """Make the staged feeds the replay's: nothing from the start on is known in advance.

    Real snapshots from the start on and every customer order go (the replay's stock and
    backlog replace them); so do real PO lines ordered from then on, and those still open
    then (world.pending: they are written back as the replay's, open until they arrive).
    The lead times left are put on the replay's grid of whole periods (on_the_grid).
    """
    on_the_grid(con, world.freq)
    start = world.period_date(0)
    con.execute("DELETE FROM staging.inventory WHERE date >= ?", [start])
    con.execute("DELETE FROM staging.customer_orders")
    con.execute(
        "DELETE FROM staging.purchase_orders WHERE order_date >= $start OR (status <> "
        "'cancelled' AND (received_date >= $start OR (received_date IS NULL AND status = 'open')))",
        {"start": start},
    )


def on_the_grid(con: duckdb.DuckDBPyConnection, freq: str) -> None:
    """Staged lead times as a replay in periods of `freq` realizes them: L days take
    ceil(L / P) whole periods of P days, since an arrival inside a period serves demand from
    the next one on (world.lead_periods, inventory.replay). The replay's own PO lines are on
    this grid; without it, the history before the start would teach the pipeline lead times
    half a period shorter on average than the ones its orders then take. Received dates
    move to order date + whole periods; quoted lead times round up the same way."""
    p = DAYS[freq]
    if p == 1:
        return
    con.execute(
        "UPDATE staging.purchase_orders SET received_date = order_date + CAST("
        "ceil(date_diff('day', order_date, received_date) / $p) * $p AS INTEGER) "
        "WHERE received_date IS NOT NULL",
        {"p": float(p)},
    )
    con.execute(
        "UPDATE staging.supplier_items SET lead_time_days = ceil(lead_time_days / $p) * $p",
        {"p": float(p)},
    )


def reset(con: duckdb.DuckDBPyConnection, world: World) -> None:
    """Forget an earlier replay in this warehouse: its simulated rows and warning history."""
    for table in ("inventory", "purchase_orders", "customer_orders"):
        con.execute(f"DELETE FROM staging.{table} WHERE load_id = ?", [SIMULATED])  # noqa: S608
    if db.table_exists(con, "core", "warning_history"):
        con.execute("DELETE FROM core.warning_history WHERE as_of >= ?", [world.period_date(0)])


# What build_forecasts writes that a later replay of the same reviews may reuse.
FORECAST_TABLES = ("forecasts", "forecast_models")


@dataclass
class Seen:
    """What our pipeline said at each review, for scoring."""

    risk: dict[int, list[np.ndarray]]  # horizon -> per review [s] chance of a stock-out in it
    forecasts: list[pl.DataFrame] = field(default_factory=list)  # core.forecasts per review
    # per review: (period, [s] reorder point with the primary supplier, [s] its service level)
    levels: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)


def ours(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    world: World,
    seen: Seen | None,
    forecasts: dict[date, dict[str, pl.DataFrame]] | None = None,
    orders: Policy | None = None,
    memo: PathMemo | None = None,
) -> Policy:
    """At each review: write the stock, backlog and orders so far into staging as of the
    review date, run the demand, forecast and supply stages for that date (the automatic
    models kept from one selection to the next unless [backtest] refit_between_selections),
    and order what core.reorder_suggestions says. Its chance of a stock-out within h periods
    (seen.risk, warned at [backtest] warn_probability): the largest shortage_by (the
    probability that demand has gone unserved by then, unless more is ordered) of
    stock_projection's days in them; `seen` None: nothing recorded (the curve's replays).

    `orders`: another policy whose orders are placed instead (with the primary supplier), so
    that our warnings are scored on the stock another rule keeps.

    `forecasts` (review date -> FORECAST_TABLES): filled by this replay where a date is
    missing, reused where present, so replays of the same reviews at other service levels
    skip the refits (their forecasts then differ from their own only where a simulated
    stock-out censored a day) and the demand stage too: they read the demand tables the
    replay that filled `forecasts` left (inventory.replays runs them in lockstep, it first),
    which set nothing they decide by but ABC service levels (none at the exchange curve's
    points; unread when `orders` decide) and the warnings' reasons. `memo`: the demand
    paths of a review drawn once for all replays of it. Every review writes the replay's
    whole state into staging, so replays in lockstep may share `con`; core.warning_history
    (the warnings' new / worsening status, which no replay reads) they share as it comes.
    """
    reset(con, world)
    keys = world.series.select("sku", "location").with_row_index("i")
    chosen: dict[tuple[int, int], str | None] = {}  # (period, series) -> supplier ordered from
    # the automatic models fitted at the last selection, run on at later reviews (or refitted)
    kept: KeptModels | None = None if settings.backtest.refit_between_selections else {}
    counts: list[pl.DataFrame] = []  # the stock counts written so far

    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        day = world.period_date(t)
        _write_state(con, world, keys, stock, chosen, day, counts)
        if forecasts is not None and day in forecasts:
            with db.transaction(con):
                db.replace_core(con, forecasts[day])
        else:
            build_demand(con, settings, day)
            build_forecasts(con, settings, day, kept=kept)
            if forecasts is not None:
                forecasts[day] = {
                    name: con.sql(f"SELECT * FROM core.{name}").pl()  # noqa: S608
                    for name in FORECAST_TABLES
                }
        build_supply(con, settings, day, memo)
        if seen is not None:
            _record(con, seen, keys, t, day, world.freq)
        if orders is not None:
            qty, lead = orders(t, stock)
            for i in np.nonzero(np.asarray(qty) > 0)[0]:
                chosen[(t, int(i))] = world.series["supplier_id"][int(i)]
            return qty, lead
        sug = con.sql(
            "SELECT sku, location, supplier_id, order_quantity FROM core.reorder_suggestions "
            "WHERE action = 'order'"
        ).pl()
        picked = keys.join(sug, on=["sku", "location"], how="inner")
        qty = np.zeros(keys.height)
        suppliers: list[str | None] = world.series["supplier_id"].to_list()
        for i, supplier, q in picked.select("i", "supplier_id", "order_quantity").iter_rows():
            qty[i] += q
            suppliers[i] = supplier
            chosen[(t, i)] = supplier
        return qty, world.lead_periods(world.draw_lead(t, suppliers))

    return policy


def _record(
    con: duckdb.DuckDBPyConnection, seen: Seen, keys: pl.DataFrame, t: int, day: date, freq: str
) -> None:
    """Append what the pipeline said at review period t (`day`) to `seen`."""
    seen.forecasts.append(
        con.sql("SELECT unique_id, ds, mean, * LIKE 'q%' FROM core.forecasts")
        .pl()
        .with_columns(origin=pl.lit(day))
    )
    risk = con.sql("SELECT sku, location, primary_rop, service FROM core.stock_risk").pl()
    risk = keys.join(risk, on=["sku", "location"], how="left").sort("i")
    seen.levels.append(
        (t, risk["primary_rop"].fill_null(0.0).to_numpy(), risk["service"].to_numpy())
    )
    proj = con.sql("SELECT sku, location, ds, shortage_by FROM core.stock_projection").pl()
    for h in seen.risk:
        until = day + timedelta(days=h * DAYS[freq])
        risky = (
            proj.filter(pl.col("ds") < until)
            .group_by("sku", "location")
            .agg(p=pl.col("shortage_by").max())
        )
        flags = keys.join(risky, on=["sku", "location"], how="left").sort("i")
        seen.risk[h].append(flags["p"].fill_null(0.0).to_numpy())


# The purchase_orders columns a replay's PO line carries as it was placed.
_LINE = ("po_id", "sku", "location", "supplier_id", "quantity", "order_date", "promised_date")


def _write_state(
    con: duckdb.DuckDBPyConnection,
    world: World,
    keys: pl.DataFrame,
    stock: Stock,
    chosen: dict[tuple[int, int], str | None],
    day: date,
    counts: list[pl.DataFrame],
) -> None:
    """The replay's state as staged rows as of `day`: its stock counts (`counts`, with one
    more at the end of the day before), the backlog as a past-due customer order, and the
    PO lines as the feed would show them (received on their arrival date when it is before
    `day`, open until then)."""
    before = day - timedelta(days=1)
    snap = keys.select(
        date=pl.lit(before),
        sku="sku",
        on_hand=pl.Series(stock.on_hand.copy()),  # kept in `counts`: the stock moves on
        location="location",
        load_id=pl.lit(SIMULATED),
        row_number=pl.lit(0),
    )
    owed = (  # noqa: F841
        keys.with_columns(q=pl.Series(stock.backlog))
        .filter(pl.col("q") > 0)
        .select(
            order_id=pl.lit("backlog"),
            sku="sku",
            quantity="q",
            order_date=pl.lit(before),
            requested_date=pl.lit(before),
            status=pl.lit("open"),
            location="location",
            load_id=pl.lit(SIMULATED),
            row_number=pl.lit(0),
        )
    )
    # plain lists and dates looked up once: every order so far is written at every review
    skus, locations = keys["sku"].to_list(), keys["location"].to_list()
    dates = {t: world.period_date(t) for t in {x for p in stock.placed for x in (p[0], p[3])}}
    placed = pl.DataFrame(
        [
            {
                "po_id": f"replay-{t}-{i}",
                "sku": skus[i],
                "location": locations[i],
                "supplier_id": chosen.get((t, i)),
                "quantity": q,
                "order_date": dates[t],
                "promised_date": dates[t]
                + timedelta(days=world.quoted.get((chosen.get((t, i)), skus[i]), 0.0)),
                "arrives": dates[when],
                "units": q,
            }
            for t, i, q, when in stock.placed
            if when > t  # a clean slate's first fill is opening stock, not a 0-day lead time
        ],
        schema=world.pending.select(*_LINE, "arrives", "units").schema,
    )
    lines = pl.concat([world.pending.select(placed.columns), placed])
    got = pl.col("arrives") < day
    po = lines.select(  # noqa: F841
        *_LINE,
        received_date=pl.when(got).then(pl.col("arrives")),
        received_quantity=pl.when(got).then(pl.col("units")),
        status=pl.when(got).then(pl.lit("received")).otherwise(pl.lit("open")),
        load_id=pl.lit(SIMULATED),
        row_number=pl.lit(0),
    )
    if world.start_on_hand is not None or day > world.period_date(0):
        # a clean slate has no count at the start (a zero one would censor that day's demand)
        counts.append(snap)
    snaps = pl.concat([snap.clear(), *counts])  # noqa: F841 (DuckDB reads it by name)
    con.execute("DELETE FROM staging.inventory WHERE load_id = ?", [SIMULATED])
    con.execute("INSERT INTO staging.inventory BY NAME SELECT * FROM snaps")
    con.execute("DELETE FROM staging.customer_orders")
    con.execute("INSERT INTO staging.customer_orders BY NAME SELECT * FROM owed")
    con.execute("DELETE FROM staging.purchase_orders WHERE load_id = ?", [SIMULATED])
    con.execute("INSERT INTO staging.purchase_orders BY NAME SELECT * FROM po")
