"""The supply stage: lead times, projection, warnings, suggestions and ETAs into core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from shortage_radar.demand.series import from_end, series_id
from shortage_radar.forecast.portfolio import DAYS
from shortage_radar.forecast.uncertainty import quantiles
from shortage_radar.settings import Settings
from shortage_radar.supply.alerts import against_previous, rank
from shortage_radar.supply.eta import status
from shortage_radar.supply.inbound import arrival_days, draw, open_lines
from shortage_radar.supply.lead_times import supplier_performance
from shortage_radar.supply.position import (
    daily_means,
    daily_shock_var,
    on_hand_now,
    open_customer_orders,
)
from shortage_radar.supply.simulate import BAND, Inputs, Outcome, PathMemo, simulate
from shortage_radar.supply.suggest import suggestions
from shortage_radar.warehouse import db

CHOICES = ("primary", "backup")


@dataclass
class SupplyRun:
    """What the stage did, for the run summary."""

    series: int
    open_lines: int
    overdue_lines: int
    warnings: int
    suggestions: int
    late_orders: int


def build_supply(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    memo: PathMemo | None = None,
) -> SupplyRun:
    """Rebuild the supply tables of core for `as_of` from the staged feeds and the forecasts.

    core.supplier_performance, open_po_lines, stock_projection, stock_risk,
    shortage_warnings, reorder_suggestions, customer_order_eta; and this date's rows of
    core.warning_history (earlier dates kept: the next run compares against them).
    `memo`: demand paths drawn before, to draw no path twice (simulate.PathMemo).
    """
    cfg = settings.supply
    days = cfg.projection_days
    rng = np.random.default_rng(cfg.seed)
    if memo is not None:
        memo.only(as_of)
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
    open_orders = open_customer_orders(con, as_of)
    s = _series(con, settings, as_of, sup, perf, open_orders)
    index = s.select("sku", "location").with_row_index("s")
    orders = _orders(open_orders, index)
    lead = np.stack([_lead_draws(s, perf, c, cfg.paths, rng, default=days) for c in CHOICES])
    span = max(days, int(lead.max(initial=0)) + settings.policy.review_days + 1)
    arrive = arrival_days(lines, perf, as_of, cfg.paths, rng, unknown_delay=cfg.unknown_delay_days)
    line_s = lines.join(index, on=["sku", "location"], how="left", maintain_order="left")["s"]
    booked = np.zeros((s.height, days))
    b = orders.filter(pl.col("day").is_between(0, days - 1))
    np.add.at(booked, (b["s"].to_numpy(), b["day"].to_numpy()), b["remaining"].to_numpy())
    mean = daily_means(con, s, settings.freq, as_of, span)
    s = s.with_columns(daily_demand=pl.Series(mean[:, :days].mean(axis=1), dtype=pl.Float64))
    out = simulate(
        Inputs(
            mean=mean,
            shock_var=daily_shock_var(s["shock_var"].to_numpy(), settings.freq),
            level_var=s["level_var"].to_numpy(),
            on_hand=s["on_hand"].to_numpy(),
            past_due=s["past_due"].to_numpy(),
            booked=booked,
            line_series=line_s.fill_null(-1).to_numpy(),
            line_qty=lines["remaining"].to_numpy(),
            arrive=arrive,
            lead=lead,
            service=s["service"].to_numpy(),
            review_days=settings.policy.review_days,
            measure=settings.policy.service_measure,
            order_series=orders["s"].to_numpy(),
            order_need=orders["need"].to_numpy(),
            order_day=orders["day"].to_numpy(),
            days=days,
            sell_chance=s["sell_chance"].to_numpy(),
            band=BAND if cfg.on_hand_band else (),
        ),
        cfg.paths,
        # the demand paths' own stream, not what is left of `rng` after the lead times and
        # arrivals (as many draws as there are open lines): a day's paths then depend on
        # its forecasts alone, and replays of the day at other stock find them in `memo`
        np.random.default_rng([cfg.seed, 1]),
        memo,
    )
    lines = _with_arrival_dates(lines, arrive, as_of)
    eta = _eta(orders, lines, out, s, as_of, days)
    risk = _risk(s, out, lead, lines, as_of)
    risk = risk.join(_reasons(con, risk, lines, perf, settings), on="unique_id", how="left")
    risk = _with_affected(risk, eta)
    w = settings.warnings
    previous = _previous_warnings(con, as_of)
    warned = against_previous(
        rank(risk, w.min_probability, w.severity), previous, as_of, w.worse_by
    )
    todo = suggestions(
        risk,
        lines,
        as_of,
        days,
        order_cost=settings.policy.order_cost,
        holding_rate=settings.policy.holding_rate,
    )
    tables = {
        "supplier_performance": perf,
        "open_po_lines": lines,
        "stock_projection": _projection(s, out, as_of, days),
        "stock_risk": risk.drop("shock_var", "level_var", "item_service"),
        "shortage_warnings": warned.with_columns(as_of=pl.lit(as_of)),
        "reorder_suggestions": todo,
        "customer_order_eta": eta,
    }
    with db.transaction(con):
        db.replace_core(con, tables)
        con.execute(
            "CREATE TABLE IF NOT EXISTS core.warning_history AS "
            "SELECT * FROM core.shortage_warnings WITH NO DATA"
        )
        con.execute("DELETE FROM core.warning_history WHERE as_of = ?", [as_of])
        con.execute("INSERT INTO core.warning_history BY NAME SELECT * FROM core.shortage_warnings")
    return SupplyRun(
        series=s.height,
        open_lines=lines.height,
        overdue_lines=int(lines["overdue"].sum()),
        warnings=int((warned["status"] != "resolved").sum()),
        suggestions=int((todo["action"] == "order").sum()),
        late_orders=int((eta["status"] == "late").sum()),
    )


def _series(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    sup: pl.DataFrame,
    perf: pl.DataFrame,
    open_orders: pl.DataFrame,
) -> pl.DataFrame:
    """One row per forecast series with what the paths and the policy need.

    Service level: items.service_level, else the ABC class's from [policy], else
    service_level. Suppliers: the primary (lowest priority number) and, among the others, the
    backup with the shortest median lead time.
    """
    # Series with a forecast, and those with only stock, orders or POs (no sales yet: zero
    # demand), so every open customer order line gets an ETA and every PO line is projected.
    s: pl.DataFrame = con.sql(
        """
        WITH keys AS (
            SELECT sku, location FROM core.forecast_models
            UNION SELECT sku, location FROM staging.inventory WHERE date < $as_of
            UNION SELECT sku, location FROM staging.customer_orders
                WHERE coalesce(status, 'open') = 'open' AND order_date < $as_of
            UNION SELECT sku, location FROM staging.purchase_orders
                WHERE status = 'open' AND order_date < $as_of
        )
        SELECT m.unique_id AS model_id, k.sku, k.location,
               coalesce(m.shock_var, 0) AS shock_var, coalesce(m.level_var, 0) AS level_var,
               coalesce(m.overdispersion, 0) AS overdispersion, m.sell_chance,
               c.abc, i.service_level AS item_service, i.status AS item_status,
               coalesce(i.unit_price, i.unit_cost) AS unit_value
        FROM keys k
        LEFT JOIN core.forecast_models m USING (sku, location)
        LEFT JOIN core.demand_classes c ON c.unique_id = m.unique_id
        LEFT JOIN staging.items i ON i.sku = k.sku
        """,
        params={"as_of": as_of},
    ).pl()
    s = (
        s.with_columns(
            unique_id=pl.coalesce("model_id", series_id(pl.col("sku"), pl.col("location")))
        )
        .drop("model_id")
        .sort("unique_id")
    )
    by_abc = dict(zip("ABC", settings.policy.abc_service_level, strict=False))
    stock = on_hand_now(con, as_of)
    past = (
        open_orders.filter(pl.col("day") < 0)
        .group_by("sku", "location")
        .agg(past_due=pl.col("remaining").sum())
    )
    ranked = sup.join(
        perf.select("supplier_id", "sku", "lead_time_p50", "lead_time_p90"),
        on=["supplier_id", "sku"],
        how="left",
    )
    primary = ranked.sort("priority", "supplier_id", nulls_last=True).unique("sku", keep="first")
    backup = (
        ranked.join(primary.select("sku", first="supplier_id"), on="sku")
        .filter(pl.col("supplier_id") != pl.col("first"))
        .sort("lead_time_p50", "priority", "supplier_id", nulls_last=True)
        .unique("sku", keep="first")
    )
    cols = {
        "supplier": "supplier_id",
        "moq": "moq",
        "pack": "pack_size",
        "lead_p50": "lead_time_p50",
        "lead_p90": "lead_time_p90",
    }
    return (
        s.join(stock, on=["sku", "location"], how="left")
        .join(past, on=["sku", "location"], how="left")
        .join(
            primary.select("sku", **{f"primary_{k}": v for k, v in cols.items()}),
            on="sku",
            how="left",
        )
        .join(
            backup.select("sku", **{f"backup_{k}": v for k, v in cols.items()}),
            on="sku",
            how="left",
        )
        .with_columns(
            pl.col("on_hand", "past_due").fill_null(0.0),
            service=pl.coalesce(
                "item_service" if settings.policy.item_service_levels else pl.lit(None),
                pl.col("abc").replace_strict(by_abc, default=None, return_dtype=pl.Float64),
                pl.lit(settings.service_level),
            ),
        )
        # the row order every array of the stage follows (daily_means reads it so)
        .sort("unique_id")
    )


def _lead_draws(
    s: pl.DataFrame,
    perf: pl.DataFrame,
    choice: str,
    n_paths: int,
    rng: np.random.Generator,
    *,
    default: int,
) -> np.ndarray:
    """[s, p] days until an order placed today with the `choice` supplier arrives, drawn from
    its learned lead times (`default`, beyond the projection, where there is none)."""
    cand = (
        s.select("sku", supplier_id=f"{choice}_supplier")
        .with_row_index("s")
        .join(perf.select("supplier_id", "sku", "lead_times"), on=["supplier_id", "sku"])
        .explode("lead_times")
        .sort("s")
    )
    return draw(
        cand["s"].to_numpy(), cand["lead_times"].to_numpy(), s.height, n_paths, rng, default
    )


def _orders(orders: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Open customer order lines of projected series in allocation order, with `need`: the
    units of the series' lines up to and including each (eta.ship_days' rule)."""
    return (
        orders.join(index, on=["sku", "location"])
        .sort("s", "requested_date", "order_date", "order_id")
        .with_columns(need=pl.col("remaining").cum_sum().over("s"))
    )


def _projection(s: pl.DataFrame, out: Outcome, as_of: date, days: int) -> pl.DataFrame:
    """The long stock_projection table: one row per series and day."""
    return pl.DataFrame(
        {
            "unique_id": np.repeat(s["unique_id"].to_numpy(), days),
            "sku": np.repeat(s["sku"].to_numpy(), days),
            "location": np.repeat(s["location"].to_numpy(), days),
            "ds": pl.Series(
                [as_of + timedelta(days=t) for t in range(days)] * s.height, dtype=pl.Date
            ),
            "expected_on_hand": out.expected_on_hand.ravel(),
            "on_hand_q10": out.on_hand_q10.ravel(),
            "on_hand_q50": out.on_hand_q50.ravel(),
            "on_hand_q90": out.on_hand_q90.ravel(),
            "stockout_probability": out.stockout_probability.ravel(),
            "shortage_probability": out.shortage_probability.ravel(),
            "shortage_by": out.shortage_by.ravel(),
            "inbound_quantity": out.expected_inbound.ravel(),
        },
        schema_overrides={"unique_id": pl.String, "sku": pl.String, "location": pl.String},
    )


def _risk(
    s: pl.DataFrame, out: Outcome, lead: np.ndarray, lines: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per series: position, risk figures and the reorder levels of each supplier choice."""
    on_po = lines.group_by("sku", "location").agg(open_po_quantity=pl.col("remaining").sum())
    levels = {
        f"{c}_{name}": getattr(out, attr)[k]
        for k, c in enumerate(CHOICES)
        for name, attr in (
            ("rop", "reorder_point"),
            ("upto", "order_up_to"),
            ("lead_demand", "lead_demand"),
        )
    }
    return (
        s.with_columns(
            stockout_probability=pl.Series(out.risk, dtype=pl.Float64),
            expected_units_short=pl.Series(out.units_short, dtype=pl.Float64),
            first_day=pl.Series(out.first_stockout, dtype=pl.Float64),
            replenishment_days=pl.Series(
                np.median(lead[0], axis=1) if lead.size else [], dtype=pl.Float64
            ),
            **{k: pl.Series(v, dtype=pl.Float64) for k, v in levels.items()},
        )
        .join(on_po, on=["sku", "location"], how="left")
        .with_columns(
            pl.col("open_po_quantity").fill_null(0.0),
            expected_stockout_date=pl.when(pl.col("first_day").is_not_nan()).then(
                pl.lit(as_of)
                + pl.duration(days=pl.col("first_day").fill_nan(0).round().cast(pl.Int64))
            ),
            safety_stock=(pl.col("primary_rop") - pl.col("primary_lead_demand")).clip(0.0),
            days_of_cover=pl.when(pl.col("daily_demand") > 0).then(
                pl.col("on_hand") / pl.col("daily_demand")
            ),
        )
        .drop("first_day")
    )


def _with_arrival_dates(lines: pl.DataFrame, arrive: np.ndarray, as_of: date) -> pl.DataFrame:
    """Open PO lines with their median and 90th-percentile arrival dates."""
    q = (
        np.quantile(arrive, [0.5, 0.9], axis=1, method="inverted_cdf").astype(np.int64)
        if lines.height
        else np.zeros((2, 0), dtype=np.int64)
    )
    return (
        lines.with_columns(
            _p50=pl.Series(q[0], dtype=pl.Int64), _p90=pl.Series(q[1], dtype=pl.Int64)
        )
        .with_columns(
            arrival_p50=pl.lit(as_of) + pl.duration(days="_p50"),
            arrival_p90=pl.lit(as_of) + pl.duration(days="_p90"),
        )
        .drop("_p50", "_p90")
    )


def _day(column: str, as_of: date, days: int) -> pl.Expr:
    """A day offset as a date, null when it is past the projection (nothing in sight)."""
    return pl.when(pl.col(column) < days).then(pl.lit(as_of) + pl.duration(days=column))


def _eta(
    orders: pl.DataFrame, lines: pl.DataFrame, out: Outcome, s: pl.DataFrame, as_of: date, days: int
) -> pl.DataFrame:
    """customer_order_eta: per open order line its ship dates, status and the PO it waits for.

    The PO waited for: of the series' open lines in order of median arrival, the first whose
    cumulative quantity covers what the order needs beyond today's stock. A ship date past
    the projection is null (no supply in sight) and the line is late.
    """
    q = (
        np.quantile(out.ship, [0.5, 0.9], axis=1, method="inverted_cdf").astype(np.int64)
        if orders.height
        else np.zeros((2, 0), dtype=np.int64)
    )
    o = orders.join(
        s.select("sku", "location", "on_hand"), on=["sku", "location"], maintain_order="left"
    ).with_columns(
        _p50=pl.Series(q[0], dtype=pl.Int64),
        _p90=pl.Series(q[1], dtype=pl.Int64),
        status=pl.Series(status(q[0], q[1], orders["day"].to_numpy()), dtype=pl.String),
        beyond=(pl.col("need") - pl.col("on_hand")).clip(0.0),
    )
    supply = (
        lines.sort("arrival_p50", "po_id")
        .with_columns(covered=pl.col("remaining").cum_sum().over("sku", "location"))
        .select("sku", "location", "covered", waits_for_po="po_id")
        .sort("covered")
    )
    return (
        o.sort("beyond")
        .join_asof(
            supply,
            left_on="beyond",
            right_on="covered",
            by=["sku", "location"],
            strategy="forward",
            check_sortedness=False,  # both sides are sorted by the amounts, so within groups too
        )
        .select(
            "order_id",
            "sku",
            "location",
            "customer_id",
            "requested_date",
            quantity="remaining",
            projected_ship_date=_day("_p50", as_of, days),
            ship_date_p90=_day("_p90", as_of, days),
            status="status",
            waits_for_po=pl.when(pl.col("beyond") > 0).then("waits_for_po"),
        )
        .sort("requested_date", "order_id", "sku")
    )


def _reasons(
    con: duckdb.DuckDBPyConnection,
    risk: pl.DataFrame,
    lines: pl.DataFrame,
    perf: pl.DataFrame,
    settings: Settings,
) -> pl.DataFrame:
    """One boolean column per reason code (alerts.REASONS), per series.

    - demand_surge: demand of the last surge_days is above the 99% quantile of that many
      days at the rate of the 13 windows before them (negative binomial with the forecast's
      shock and level variances). On the sample data (600 series, 6 with a sustained surge)
      this flags 5 of the 6 and 6 others, the 1% a 99% band lets through by chance;
    - supplier_late: an open PO line of the series is overdue or expected after its promise;
    - lead_time_increase: the primary supplier's recent lead time grew (lead_times);
    - no_open_supply: nothing on order; below_safety_stock: on hand below safety stock;
    - backorders_open: past-due customer orders; high_uncertainty: overdispersion at or
      above [warnings] uncertain_overdispersion.
    """
    w = settings.warnings
    k = max(1, round(w.surge_days / DAYS[settings.freq]))
    demand = con.sql("SELECT unique_id, ds, y FROM core.demand ORDER BY unique_id, ds").pl()
    recent = demand.filter(from_end() <= k).group_by("unique_id").agg(recent=pl.col("y").sum())
    before = (
        demand.filter(from_end().is_between(k + 1, 14 * k))
        .group_by("unique_id")
        .agg(base=pl.col("y").mean() * k)
    )
    surge = (
        risk.select("unique_id", spread=pl.col("shock_var") / k + pl.col("level_var"))
        .join(recent, on="unique_id", how="left")
        .join(before, on="unique_id", how="left")
        .with_columns(pl.col("base", "recent", "spread").fill_null(0.0))
    )
    # the k periods' sum: the shock variance averages out over them, the level's does not
    band = quantiles(surge["base"].to_numpy(), surge["spread"].to_numpy(), [0.99])[:, 0]
    surge = surge.with_columns(
        demand_surge=(pl.col("recent") > pl.Series(band)) & (pl.col("base") > 0)
    )
    late = (
        lines.filter(pl.col("overdue") | (pl.col("arrival_p50") > pl.col("promised_date")))
        .select("sku", "location")
        .unique()
        .with_columns(supplier_late=pl.lit(True))
    )
    grown = perf.select("sku", primary_supplier="supplier_id", grown="lead_time_grown")
    return (
        risk.join(surge.select("unique_id", "demand_surge"), on="unique_id", how="left")
        .join(late, on=["sku", "location"], how="left")
        .join(grown, on=["sku", "primary_supplier"], how="left")
        .select(
            "unique_id",
            demand_surge=pl.col("demand_surge").fill_null(False),
            supplier_late=pl.col("supplier_late").fill_null(False),
            lead_time_increase=pl.col("grown").fill_null(False),
            no_open_supply=pl.col("open_po_quantity") <= 0,
            below_safety_stock=pl.col("on_hand") < pl.col("safety_stock"),
            backorders_open=pl.col("past_due") > 0,
            high_uncertainty=pl.col("overdispersion").fill_null(0.0) >= w.uncertain_overdispersion,
        )
    )


def _with_affected(risk: pl.DataFrame, eta: pl.DataFrame) -> pl.DataFrame:
    """risk with affected_customer_orders (count) and affected_order_ids of its open order
    lines that are late or at risk."""
    hit = (
        eta.filter(pl.col("status") != "on_time")
        .group_by("sku", "location")
        .agg(affected_order_ids=pl.col("order_id").unique().sort())
    )
    return (
        risk.join(hit, on=["sku", "location"], how="left")
        .with_columns(
            affected_order_ids=pl.col("affected_order_ids").fill_null([]),
        )
        .with_columns(affected_customer_orders=pl.col("affected_order_ids").list.len())
    )


def _previous_warnings(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame | None:
    """The warnings of the latest earlier as-of date, if any (re-runs of a date compare with
    the date before it, not with themselves)."""
    if not db.table_exists(con, "core", "warning_history"):
        return None
    prev: pl.DataFrame = con.sql(
        "SELECT * FROM core.warning_history WHERE as_of = "
        "(SELECT max(as_of) FROM core.warning_history WHERE as_of < ?)",
        params=[as_of],
    ).pl()
    return prev
