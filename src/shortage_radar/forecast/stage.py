"""The forecast stage: core.demand -> core.forecasts, forecast_models and forecast_accuracy."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from shortage_radar.forecast.alive import sell_chance
from shortage_radar.forecast.censor import fit_frame
from shortage_radar.forecast.engine import engine_for
from shortage_radar.forecast.portfolio import DAYS, in_periods, periods
from shortage_radar.forecast.predict import KeptModels, forecast, kept_from, plan
from shortage_radar.forecast.select import select
from shortage_radar.forecast.spread import YEAR
from shortage_radar.settings import Settings
from shortage_radar.warehouse import db

log = logging.getLogger(__name__)


@dataclass
class ForecastRun:
    """What the stage did, for the run summary and the flow's log."""

    series: int
    reselected: bool
    fallbacks: int
    by_model: dict[str, int]


def build_forecasts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    as_of: date,
    *,
    reselect: bool | None = None,
    kept: KeptModels | None = None,
) -> ForecastRun:
    """Forecast every series in core.demand_classes; re-select models when due (or asked).

    Selection is due when no choice is stored, the stored one is reselect_days old or older,
    or it was made for a later date (a re-run of an earlier as-of). The three core tables are
    replaced in one transaction; core.forecast_accuracy only when selection ran.

    `kept` (a replay's, across its reviews): the automatic models are fitted into it and
    later run on over the grown history instead of refitted (predict.forecast); when
    selection runs, it holds the selection's fits instead.
    """
    cfg = settings.forecast
    demand = con.sql(
        "SELECT unique_id, ds, y, censored FROM core.demand ORDER BY unique_id, ds"
    ).pl()
    classes = con.sql("SELECT unique_id, sku, location, demand_class FROM core.demand_classes").pl()
    categories = con.sql(
        "SELECT c.unique_id, i.category FROM core.demand_classes c JOIN staging.items i USING (sku)"
    ).pl()
    fit = fit_frame(
        demand,
        history=periods(cfg, "history", settings.freq),
        window=periods(cfg, "window", settings.freq),
    )
    stored = _stored(con)
    if reselect is None:
        last = stored["selected_on"].max() if stored is not None and stored.height else None
        reselect = last is None or not (as_of - timedelta(days=cfg.reselect_days) < last <= as_of)  # type: ignore[operator]
    with engine_for(settings) as engine:
        accuracy = None
        if reselect:
            chosen = select(fit, classes, settings, engine, as_of)
            stored, accuracy = chosen.models, chosen.accuracy
            if kept is not None:  # a new choice: what was fitted for the old one goes
                kept.clear()
                kept.update(kept_from(stored, chosen.fitted, fit))
            log.info(
                "selected models for %d series (%d candidates failed)", stored.height, chosen.failed
            )
        result = forecast(fit, plan(stored, classes, settings), categories, settings, engine, kept)
    keys = classes.select("unique_id", "sku", "location")
    rows = keys.join(result.rows, on="unique_id")
    models = keys.join(result.models, on="unique_id")
    selected_on = stored["selected_on"].max() if stored is not None and stored.height else as_of
    models = (
        models.with_columns(pl.col("selected_on").fill_null(selected_on))
        if "selected_on" in models.columns
        else models.with_columns(selected_on=pl.lit(selected_on))
    )
    tables = {
        "forecasts": rows,
        "forecast_models": _with_sell_chance(models, fit, classes, settings),
    }
    if accuracy is not None:
        tables["forecast_accuracy"] = accuracy.join(keys, on="unique_id", how="left").with_columns(
            evaluated_on=pl.lit(as_of)
        )
    with db.transaction(con):
        db.replace_core(con, tables)
    counts = models.group_by("model").len()
    return ForecastRun(
        series=models.height,
        reselected=bool(reselect),
        fallbacks=result.fallbacks,
        by_model=dict(zip(counts["model"], counts["len"], strict=True)),
    )


def _with_sell_chance(
    models: pl.DataFrame, fit: pl.DataFrame, classes: pl.DataFrame, settings: Settings
) -> pl.DataFrame:
    """`models` with sell_chance: for inactive series forecast at their long-run rate, the
    chance they sell within the projection's horizon ([forecast] inactive_alive, alive.py);
    null (demand on all paths) for the rest, and for all when they are forecast zero."""
    cfg = settings.forecast
    if cfg.inactive_model != "LongRunRate" or cfg.inactive_alive == "off":
        return models.with_columns(sell_chance=pl.lit(None, dtype=pl.Float64))
    chance = sell_chance(
        fit,
        classes,
        idle=in_periods(settings.classify.inactive_days, settings.freq),
        # the projection's days in periods, unrounded: supply.simulate reads the chance over them
        horizon=settings.supply.projection_days / DAYS[settings.freq],
        source=cfg.inactive_alive,
        year=YEAR[settings.freq],
        # comeback: monthly origins over the last year, enough idle series, few passes
        origins=12,
        step=max(1, YEAR[settings.freq] // 12),
    )
    return models.join(chance, on="unique_id", how="left")


def _stored(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """The stored choice of the last selection, if any: series with status `selected` or
    `default`, and the `inactive` ones (they carry the inactive class's quantile method)."""
    if not db.table_exists(con, "core", "forecast_models"):
        return None
    stored: pl.DataFrame = con.sql(
        "SELECT * FROM core.forecast_models WHERE status IN ('selected', 'default', 'inactive')"
    ).pl()
    cols = ["unique_id", "demand_class", "model", "spec", "status", "cv_rmsse", "overdispersion"]
    cols += ["shock_var", "level_var", "quantile_method", "cv_spl", "selected_on"]
    return stored.select(c for c in cols if c in stored.columns)
