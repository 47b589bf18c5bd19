"""A whole backtest: replay our pipeline and the baselines on the same history, score them all."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import polars as pl

from shortage_radar.backtest.baselines import min_max, textbook
from shortage_radar.backtest.inventory import Ledger, Policy, replays, unless_acted
from shortage_radar.backtest.known_rate import balanced, held_out, known_rate_chances
from shortage_radar.backtest.pipeline import Seen, ours, prepare
from shortage_radar.backtest.score import (
    calibration,
    policy_scores,
    stockout_within,
    warning_scores,
    whole_windows,
)
from shortage_radar.backtest.summary import contract_keys
from shortage_radar.backtest.world import World, build_world, reviews, start_due
from shortage_radar.forecast.metrics import accuracy, scales, summarise
from shortage_radar.forecast.portfolio import DAYS
from shortage_radar.forecast.spread import YEAR
from shortage_radar.settings import Settings
from shortage_radar.supply.simulate import PathMemo
from shortage_radar.warehouse import db

# What a backtest publishes: table -> query on its warehouse.
PUBLISHED = {
    "runs": "SELECT * FROM meta.runs ORDER BY run_id",
    "backtest_scores": "SELECT * FROM core.backtest_scores ORDER BY method, demand_class",
    "backtest_forecast_accuracy": "SELECT * FROM core.backtest_forecast_accuracy",
    "backtest_ledger": "SELECT * FROM core.backtest_ledger ORDER BY method, unique_id, ds",
    "backtest_curve": "SELECT * FROM core.backtest_curve ORDER BY method, target",
    "backtest_warnings": "SELECT * FROM core.backtest_warnings "
    "ORDER BY method, horizon, unique_id, as_of",
}


@dataclass
class Backtest:
    """The JSON summary and the tables of a backtest."""

    summary: dict[str, Any]
    tables: dict[str, pl.DataFrame]


def run_backtest(
    con: duckdb.DuckDBPyConnection, settings: Settings, start: date, end: date, every: int
) -> Backtest:
    """Replay from `start` to `end` with a review every `every` periods: ours, the min/max
    rule and the textbook rule on the same demand and lead-time draws; then the exchange curve.

    `con`: a warehouse holding the staged feeds. The replay rewrites them with its own stock
    and orders, and every review replaces the core tables: it works on an in-memory copy of
    the staged feeds (the warehouse is left as it was, and not written to disk per review).
    """
    with db.scratch(con, ("staging",)):
        return _run(con, settings, start, end, every)


def _run(
    con: duckdb.DuckDBPyConnection, settings: Settings, start: date, end: date, every: int
) -> Backtest:
    """run_backtest() on the replay's own copy of the warehouse."""
    cfg = settings.backtest
    world = build_world(
        con,
        start=start,
        end=end,
        freq=settings.freq,
        history_days=cfg.history_days,
        seed=settings.supply.seed,
    )
    at = reviews(world, end, every)
    if not at:
        raise ValueError(f"no review between {start} and {end}: the sales end before {start}")
    due = start_due(world)
    prepare(con, world)
    # Our pipeline as the replay runs it: selection (the slow part) on the backtest's own
    # cadence; orders protected for the replay's review period; the projection long enough
    # to warn over every scored horizon, on [backtest] paths, without the band of on-hand
    # stock (a partition of every path's stock, which no decision reads).
    days = DAYS[settings.freq]
    settings = settings.model_copy(
        update={
            "forecast": settings.forecast.model_copy(update={"reselect_days": cfg.reselect_days}),
            "policy": settings.policy.model_copy(update={"review_days": every * days}),
            "supply": settings.supply.model_copy(
                update={
                    "paths": cfg.paths,
                    "on_hand_band": False,
                    "projection_days": max(
                        settings.supply.projection_days, max(cfg.horizons, default=0) * days
                    ),
                }
            ),
        }
    )
    seen = Seen(risk={h: [] for h in cfg.horizons})
    cache: dict[date, dict[str, pl.DataFrame]] = {}
    minmax_risk: dict[int, list[np.ndarray]] = {h: [] for h in cfg.horizons}
    textbook_risk: dict[int, list[np.ndarray]] = {h: [] for h in cfg.horizons}
    fitted: list[Any] = []  # AutoETS per series, fitted once for every textbook replay
    measure = settings.policy.service_measure
    rule = textbook(
        world,
        settings.service_level,
        every,
        textbook_risk,
        fitted,
        measure,
        settings.forecast.n_jobs,
    )
    # the demand paths of a review, drawn by the first replay of ours for every other
    memo = PathMemo(cfg.path_memo_mb << 20) if cfg.path_memo_mb else None
    policies: dict[str, tuple[Policy, dict[int, list[np.ndarray]]]] = {
        "ours": (ours(con, settings, world, seen, cache, memo=memo), seen.risk),
        "min_max": (min_max(world, cfg.minmax_extra_days, minmax_risk), minmax_risk),
        "textbook": (rule, textbook_risk),
    }
    # ours' warnings on the stock a baseline keeps: its orders, our pipeline's projection (on
    # the forecasts of ours' replay)
    for base in cfg.warnings_on:
        seen_base = Seen(risk={h: [] for h in cfg.horizons})
        if base == "min_max":
            orders = min_max(world, cfg.minmax_extra_days, {})
        else:
            orders = textbook(world, settings.service_level, every, {}, fitted, measure)
        on = ours(con, settings, world, seen_base, cache, orders, memo)
        policies[f"ours_on_{base}"] = (on, seen_base.risk)
    points = curve_policies(con, settings, world, every, cache, fitted, memo)
    done = _curve_points(con, settings)
    # replayed until the last review's order could be placed again: past that no policy acts
    demand = world.replayed[:, : at[-1] + every]
    due = due[:, : demand.shape[1]]
    # all in lockstep, ours first: each review's forecasts and paths are then worked out once
    ledgers: dict[Hashable, Ledger] = replays(
        demand,
        world.start_on_hand,
        due,
        at,
        {name: policy for name, (policy, _) in policies.items()}
        | {k: policy for k, policy in points.items() if k not in done},
        backorders=cfg.backorders,
    )
    classes = _classes(con, world)
    rows, warnings = [], []
    limit = cfg.warn_probability
    for name, (_, risk) in policies.items():
        led = ledgers[name]
        scored, warned = _warned(world, led, at, risk, due, cfg.backorders)
        known = _known_rates(world, led, scored, list(risk), due, settings)
        rows += _scores(name, world, led, at, scored, warned, known, classes, limit)
        warnings.append(_warnings_frame(name, world, led, scored, warned, limit))
    forecast = _forecast_scores(world, seen, classes)
    covered = _lead_demand_coverage(world, seen, demand, every, classes)
    if forecast.height:
        forecast = forecast.join(covered, on="demand_class", how="left", maintain_order="left")
    curve = curve_frame(world, at, {k: ledgers[done.get(k, k)] for k in points})
    scores = pl.DataFrame(rows)
    said = pl.concat(warnings)
    methods = {
        name: {
            r["demand_class"]: {k: _num(v) for k, v in r.items() if k not in _KEYS}
            for r in scores.filter(pl.col("method") == name).to_dicts()
        }
        for name in policies
    }
    summary = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "every": every,
        "freq": settings.freq,
        "reviews": len(at),
        "series": world.series.height,
        "initial_stock": "from the inventory feed"
        if world.start_on_hand is not None
        else "set by each policy at the start (its first order arrives at once)",
        "unmet_demand": "backordered" if cfg.backorders else "lost",
        "target_service_level": settings.service_level,
        "service_measure": settings.policy.service_measure,
        "methods": methods,
        **contract_keys(
            methods,
            {
                r["demand_class"]: {k: _num(v) for k, v in r.items() if k != "demand_class"}
                for r in forecast.to_dicts()
            },
            cfg.horizons,
            settings.service_level,
        ),
        "exchange_curve": [{k: _num(v) for k, v in r.items()} for r in curve.to_dicts()],
        "warning_calibration": calibration(said).to_dicts(),
        "settings": settings.model_dump(mode="json"),
    }
    return Backtest(
        summary=summary,
        tables={
            "backtest_scores": scores,
            "backtest_forecast_accuracy": forecast,
            "backtest_ledger": _ledger_frame(world, {name: ledgers[name] for name in policies}),
            "backtest_curve": curve,
            "backtest_warnings": said,
        },
    )


_KEYS = ("method", "demand_class")


def _curve_points(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[Point, str]:
    """The points of the exchange curve that a replay above is, by the name of that replay:
    the textbook rule at the target service level, min/max at its extra days, and ours
    when no item or ABC class has a service level of its own (the curve sets those aside)."""
    own = (
        settings.policy.abc_service_level
        or db.one(con, "SELECT count(service_level) FROM staging.items")[0]
    )
    done = {
        ("textbook", settings.service_level): "textbook",
        ("min_max", settings.backtest.minmax_extra_days): "min_max",
    }
    return done if own else done | {("ours", settings.service_level): "ours"}


# A point of the exchange curve: (method, target).
Point = tuple[str, float]


def curve_policies(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    world: World,
    every: int,
    forecasts: dict[date, dict[str, pl.DataFrame]],
    fitted: list[Any],
    memo: PathMemo | None,
) -> dict[Point, Policy]:
    """The policies of the exchange curve, by (method, target): ours and the textbook rule at
    each `[backtest] curve_levels` (items' own service levels set aside, so the target is
    the same for all), min/max at each `curve_extra_days`. Ours reuses the `forecasts` and
    paths (`memo`) of the replay of ours it runs in lockstep with (see pipeline.ours), the
    textbook rule its `fitted` AutoETS models."""
    cfg = settings.backtest
    if not cfg.curve_levels:
        return {}
    measure = settings.policy.service_measure
    out: dict[Point, Policy] = {}
    for level in cfg.curve_levels:
        at_level = settings.model_copy(
            update={
                "service_level": level,
                "policy": settings.policy.model_copy(
                    update={"abc_service_level": (), "item_service_levels": False}
                ),
            }
        )
        out[("ours", level)] = ours(con, at_level, world, None, forecasts, memo=memo)
        out[("textbook", level)] = textbook(world, level, every, {}, fitted, measure)
    for days in cfg.curve_extra_days:
        out[("min_max", days)] = min_max(world, days, {})
    return out


def curve_frame(world: World, at: list[int], ledgers: dict[Point, Ledger]) -> pl.DataFrame:
    """Average inventory value against achieved fill rate as the target moves: one row per
    point of the curve (curve_policies): method, target (service level, or extra days for
    min/max) and policy_scores() of its replay."""
    if not ledgers:
        return pl.DataFrame(schema={"method": pl.String, "target": pl.Float64})
    cost = world.series["unit_cost"].to_numpy()
    return pl.DataFrame(
        [
            {
                "method": method,
                "target": target,
                **policy_scores(led.demand, led.short, led.on_hand, led.ordered, at, cost),
            }
            for (method, target), led in ledgers.items()
        ]
    )


def _num(v: Any) -> Any:
    """JSON has no NaN: a score that cannot be computed is null."""
    return None if isinstance(v, float) and math.isnan(v) else v


def _classes(con: duckdb.DuckDBPyConnection, world: World) -> np.ndarray:
    """[s] each series' demand class at the last review of our pipeline."""
    c = con.sql("SELECT unique_id, demand_class FROM core.demand_classes").pl()
    joined = (
        world.series.select("unique_id")
        .with_row_index("i")
        .join(c, on="unique_id", how="left")
        .sort("i")
    )
    return np.asarray(joined["demand_class"].fill_null("unclassified").to_list(), dtype=object)


# Per horizon: [s, scored reviews] each series' chance of a stock-out in the window, and
# whether one would have come unless acted.
Warned = dict[int, tuple[np.ndarray, np.ndarray]]


def _warned(
    world: World,
    led: Ledger,
    at: list[int],
    risk: dict[int, list[np.ndarray]],
    due: np.ndarray,
    backorders: bool,
) -> tuple[list[int], Warned]:
    """The reviews whose warnings are scored, and per horizon their chances and truth."""
    # From a clean slate every series starts at 0 and every rule warns at the first review,
    # whose order then arrives at once: that review says nothing about warnings.
    scored = at[1:] if world.start_on_hand is None else at
    out = {
        h: (
            np.stack(v, axis=1)[:, len(at) - len(scored) :],
            unless_acted(led, world.start_on_hand, due, scored, h, backorders=backorders),
        )
        for h, v in risk.items()
    }
    return scored, out


def _known_rates(
    world: World, led: Ledger, scored: list[int], horizons: list[int], due: np.ndarray, s: Settings
) -> dict[int, dict[str, np.ndarray]]:
    """Per horizon the known rates' chances on this replay's stock (known_rate.known_rate_chances);
    none when [backtest] poisson_paths is 0."""
    cfg = s.backtest
    if not cfg.poisson_paths:
        return {}
    return {
        h: known_rate_chances(
            led,
            world.start_on_hand,
            due,
            scored,
            h,
            world.demand,
            world.history,
            YEAR[world.freq],
            backorders=cfg.backorders,
            paths=cfg.poisson_paths,
            seed=world.seed,
        )
        for h in horizons
    }


def _scores(
    name: str,
    world: World,
    led: Ledger,
    at: list[int],
    scored: list[int],
    warned: Warned,
    known: dict[int, dict[str, np.ndarray]],
    classes: np.ndarray,
    threshold: float,
) -> list[dict[str, Any]]:
    """One row per demand class and overall: the policy's and the warnings' scores (a
    warning: a chance at or above `threshold`), the threshold at which the method's
    precision and recall are most nearly both high (known_rate.balanced), the same chosen on
    the earlier reviews and scored on the later (known_rate.held_out), and those of the
    known rates' chances at their balanced thresholds."""
    cost = world.series["unit_cost"].to_numpy()
    stocked_out = led.out_of_stock()
    out = []
    for group in ["all", *sorted(set(classes))]:
        m = np.ones(len(classes), dtype=bool) if group == "all" else classes == group
        row: dict[str, Any] = {"method": name, "demand_class": group, "series": int(m.sum())}
        row |= policy_scores(
            led.demand[m], led.short[m], led.on_hand[m], led.ordered[m], at, cost[m]
        )
        for h, (chance, truth) in warned.items():
            row |= warning_scores(chance[m] >= threshold, truth[m], stocked_out[m], scored, h)
            whole = whole_windows(scored, h, led.short.shape[1])
            real = truth[m][:, whole]
            cut, p, r = balanced(chance[m][:, whole], real)
            row |= {
                f"balanced_threshold_{h}": cut,
                f"balanced_precision_{h}": p,
                f"balanced_recall_{h}": r,
            }
            cut, p, r = held_out(chance[m][:, whole], real)
            row |= {
                f"held_out_threshold_{h}": cut,
                f"held_out_precision_{h}": p,
                f"held_out_recall_{h}": r,
            }
            for rate, chance_at in known.get(h, {}).items():
                _, p, r = balanced(chance_at[m][:, whole], real)
                row |= {f"poisson_{rate}_precision_{h}": p, f"poisson_{rate}_recall_{h}": r}
        out.append(row)
    return out


def _warnings_frame(
    name: str, world: World, led: Ledger, scored: list[int], warned: Warned, threshold: float
) -> pl.DataFrame:
    """backtest_warnings: one row per method, horizon, series and scored review whose window
    lies in the replayed data."""
    ids = world.series["unique_id"].to_numpy()
    parts = [pl.DataFrame(schema=WARNINGS_SCHEMA)]
    for h, (chance, truth) in warned.items():
        whole = whole_windows(scored, h, led.short.shape[1])
        if not whole:
            continue
        realized = stockout_within(led.out_of_stock(), [scored[j] for j in whole], h)
        p = chance[:, whole]
        parts.append(
            pl.DataFrame(
                {
                    "method": name,
                    "horizon": h,
                    "unique_id": np.repeat(ids, len(whole)),
                    "as_of": [world.period_date(scored[j]) for j in whole] * len(ids),
                    "probability": p.ravel(),
                    "warned": (p >= threshold).ravel(),
                    "stockout": truth[:, whole].ravel(),
                    "realized_stockout": realized.ravel(),
                },
                schema=WARNINGS_SCHEMA,
            )
        )
    return pl.concat(parts)


WARNINGS_SCHEMA = {
    "method": pl.String,
    "horizon": pl.Int64,
    "unique_id": pl.String,
    "as_of": pl.Date,
    "probability": pl.Float64,
    "warned": pl.Boolean,
    "stockout": pl.Boolean,
    "realized_stockout": pl.Boolean,
}


def _forecast_scores(world: World, seen: Seen, classes: np.ndarray) -> pl.DataFrame:
    """Our forecasts at every review against what then sold: RMSSE, bias, scaled pinball loss
    and coverage per series (forecast.metrics), summarised per demand class and overall."""
    empty = pl.DataFrame(schema={"demand_class": pl.String})
    if not seen.forecasts:
        return empty
    actual = pl.DataFrame(
        {
            "unique_id": np.repeat(world.series["unique_id"].to_numpy(), len(world.periods)),
            "ds": world.periods * world.series.height,
            "y": world.demand.ravel(),
        }
    )
    start = world.period_date(0)
    fc = pl.concat(seen.forecasts, how="diagonal_relaxed").rename({"mean": "yhat"})
    probs = sorted(int(c[1:]) / 100 for c in fc.columns if c.startswith("q") and c[1:].isdigit())
    errors = fc.join(actual, on=["unique_id", "ds"], how="inner")
    if errors.is_empty():
        return empty
    label = pl.DataFrame({"unique_id": world.series["unique_id"], "demand_class": classes.tolist()})
    per = accuracy(
        errors.join(label, on="unique_id"),
        scales(actual.filter(pl.col("ds") < start)),
        probs,
        ["unique_id", "demand_class"],
    )
    return pl.concat(
        [
            summarise(per.with_columns(demand_class=pl.lit("all")), ["demand_class"]),
            summarise(per, ["demand_class"]).sort("demand_class"),
        ]
    )


def _lead_demand_coverage(
    world: World, seen: Seen, demand: np.ndarray, every: int, classes: np.ndarray
) -> pl.DataFrame:
    """How often the demand over the protection interval stayed at or below our reorder
    point: per review and series, the demand that really came over the lead time drawn for an
    order to the primary supplier then (the world's draw) plus the review period, against the
    reorder point (the service quantile of that demand, lead-time uncertainty included). Per
    demand class and `all`: lead_demand_coverage (share at or below), lead_demand_target (mean
    service level aimed at; calibrated when the two agree), lead_demand_n."""
    primary = world.series["supplier_id"].to_list()
    cum = np.concatenate([np.zeros((demand.shape[0], 1)), demand.cumsum(axis=1)], axis=1)
    rows = []
    for t, rop, service in seen.levels:
        end = t + world.lead_periods(world.draw_lead(t, primary)) + every
        whole = end <= demand.shape[1]  # the interval lies in the replayed data
        idx = np.nonzero(whole)[0]
        came = cum[idx, end[idx]] - cum[idx, t]
        rows.append(
            pl.DataFrame(
                {
                    "demand_class": classes[idx].tolist(),
                    "hit": came <= rop[idx],
                    "aim": service[idx],
                }
            )
        )
    if not rows:
        return pl.DataFrame(schema={"demand_class": pl.String})
    hits = pl.concat(rows)
    agg = {
        "lead_demand_coverage": pl.col("hit").mean(),
        "lead_demand_target": pl.col("aim").mean(),
        "lead_demand_n": pl.len(),
    }
    return pl.concat(
        [
            hits.select(demand_class=pl.lit("all"), **agg),
            hits.group_by("demand_class").agg(**agg),
        ]
    )


def _ledger_frame(world: World, ledgers: dict[str, Ledger]) -> pl.DataFrame:
    """backtest_ledger: one row per method, series and replayed period."""
    parts = []
    for name, led in ledgers.items():
        n, periods = led.demand.shape
        days = [world.period_date(t) for t in range(periods)]
        parts.append(
            pl.DataFrame(
                {
                    "method": [name] * (n * periods),
                    "unique_id": np.repeat(world.series["unique_id"].to_numpy(), periods),
                    "ds": days * n,
                    **{
                        col: getattr(led, col).ravel()
                        for col in ("demand", "short", "on_hand", "backlog", "arrived", "ordered")
                    },
                }
            )
        )
    return pl.concat(parts)
