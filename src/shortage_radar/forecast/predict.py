"""Daily forecasts: each series' chosen model refitted, fallbacks for new, idle and failed ones."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from shortage_radar.demand.series import PERIOD, from_end
from shortage_radar.forecast.engine import Engine, by_halves
from shortage_radar.forecast.portfolio import DAYS, make_model, periods
from shortage_radar.forecast.select import (
    ROLL_FORWARD,
    add_quantiles,
    by_series,
    fill_dispersion,
    portfolio_of,
)
from shortage_radar.forecast.spread import DEFAULT, YEAR, recent_quantiles
from shortage_radar.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Forecast:
    """Forecast rows and what each series got."""

    rows: pl.DataFrame  # unique_id, ds, model, mean, qNN...
    models: pl.DataFrame  # unique_id, demand_class, model, spec, status, dispersion columns
    fallbacks: int  # series whose model failed to fit and that got the window average instead


# Models that are a constant rate, computed here rather than fitted by statsforecast.
FLAT = ["NewRate", "Zero", "LongRunRate"]


@dataclass
class Kept:
    """An automatic model as fitted for a series, and the history it has been applied to."""

    model: str
    spec: str
    fitted: Any  # the statsforecast model, fitted
    y: np.ndarray  # the series' fitted values of y, from the first period fitted on
    last: np.datetime64  # the period of y's last value


# A replay's kept automatic models by (model, unique_id): a combination "AutoETS+AutoTheta"
# keeps one of each for its series.
KeptModels = dict[tuple[str, str], Kept]


def plan(stored: pl.DataFrame | None, classes: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Per series the model to use today: its stored choice unless its class says otherwise.

    `new` series get a blended rate, `inactive` ones `[forecast] inactive_model` (zero, or
    their long-run rate); a series with no stored choice (unseen or inactive at the last
    selection) gets, until the next one, the model its class's series chose most then (in its
    automatic form), else its class's first model.
    quantile_method (spread.py): the series' stored one, else its class's (inactive series:
    the inactive class's, chosen at selection), else NegBin (new series).
    """
    first = {c: ms[0] for c, ms in portfolio_of(settings).items()} | {
        "new": "NewRate",
        "inactive": settings.forecast.inactive_model,
    }
    if stored is None:
        stored = pl.DataFrame(schema=_STORED)
    if "quantile_method" not in stored.columns:  # stored before quantile methods existed
        stored = stored.with_columns(quantile_method=pl.lit(None, pl.String))
    # the class's method (its inactive series' rows carry the inactive class's)
    class_method = (
        stored.filter(pl.col("quantile_method").is_not_null())
        .group_by("demand_class")
        .agg(class_method=pl.col("quantile_method").mode().sort().first())
    )
    own = stored.filter(pl.col("status").is_in(["selected", "default"]))
    # the last selection's evidence, not the portfolio's order: in the carparts backtest, 988
    # (series, review) pairs back from inactive were forecast on the intermittent class's
    # first model (CrostonSBA) 2.7 times what they sold in the next 14 months, and on its most
    # chosen (mostly ADIDA+IMAPA) 1.6 times (mean absolute error 11.3 -> 6.7 units)
    class_model = own.group_by("demand_class").agg(
        class_model=pl.col("model").mode().sort().first()
    )
    keep = pl.col("demand_class").is_in(["new", "inactive"]).not_()
    mine = keep & pl.col("model").is_not_null()
    theirs = pl.coalesce(
        pl.when(keep).then("class_model"), pl.col("demand_class").replace_strict(first)
    )
    planned = (
        classes.select("unique_id", "demand_class")
        .join(own.drop("demand_class"), on="unique_id", how="left")
        .join(class_method, on="demand_class", how="left")
        .join(class_model, on="demand_class", how="left")
        .with_columns(
            model=pl.when(mine).then("model").otherwise(theirs),
            # the automatic form: no pinned spec, one empty part per model of a combination
            spec=pl.when(mine)
            .then(pl.col("spec").fill_null(""))
            .otherwise(theirs.str.replace_all("[^+]", "")),
            status=pl.when(keep & pl.col("status").is_not_null())
            .then("status")
            .otherwise(pl.when(keep).then(pl.lit("default")).otherwise("demand_class")),
            quantile_method=pl.when(keep)
            .then(pl.coalesce("quantile_method", "class_method"))
            .when(pl.col("demand_class") == "inactive")
            .then("class_method")
            .fill_null(DEFAULT),
        )
        .drop("class_method", "class_model")
    )
    return fill_dispersion(planned, stored.filter(pl.col("status") == "selected"))


_STORED = {
    "unique_id": pl.String,
    "demand_class": pl.String,
    "model": pl.String,
    "spec": pl.String,
    "status": pl.String,
    "overdispersion": pl.Float64,
    "shock_var": pl.Float64,
    "level_var": pl.Float64,
    "quantile_method": pl.String,
}


def kept_from(models: pl.DataFrame, fitted: dict[str, Any], fit: pl.DataFrame) -> KeptModels:
    """A selection's fitted automatic models (Selection.fitted) as kept ones, with the
    history of `fit` they were fitted on: its review's forecast needs no refit of them."""
    spec = {u: (m, s) for u, m, s in models.select("unique_id", "model", "spec").iter_rows()}
    return {
        (spec[uid][0], uid): Kept(*spec[uid], fitted[uid], y, ds[-1])
        for uid, ds, y in by_series(fit.filter(pl.col("unique_id").is_in(list(fitted))))
        if uid in spec
    }


def forecast(
    fit: pl.DataFrame,
    planned: pl.DataFrame,
    categories: pl.DataFrame,
    settings: Settings,
    engine: Engine,
    kept: KeptModels | None = None,
) -> Forecast:
    """Forecast `settings.horizon` periods for every planned series; none is dropped.

    In: `fit` (unique_id, ds, y), `planned` from plan(), `categories` (unique_id, category).
    Models are run in groups of one (model, spec), each group in one statsforecast call. A
    group that fails is retried series by series; a series still failing, or forecasting
    something not finite, gets the mean of its last `window` periods (model `fallback`).
    With `kept`, the automatic models (select.ROLL_FORWARD) are run series by series from it
    instead (_run_kept).
    """
    h, freq = settings.horizon, settings.freq
    window = periods(settings.forecast, "window", freq)
    fitted = planned.filter(~pl.col("model").is_in(FLAT))
    # a combination "A+B" (spec "specA+specB") runs as its parts, each with the series of its
    # group that are alone or in another combination, and is their mean
    components = fitted.select(
        "unique_id",
        "model",
        part=pl.col("model").str.split("+"),
        part_spec=pl.col("spec").fill_null("").str.split("+"),
    ).explode("part", "part_spec")
    future = _future(fit, freq, h)
    runs, failed = [], []
    for (name, spec), group in components.group_by("part", "part_spec", maintain_order=True):
        df = fit.join(group.select("unique_id"), on="unique_id")
        if kept is not None and name in ROLL_FORWARD:
            out, bad = _run_kept(kept, df, str(name), str(spec), settings, future)
        else:
            out, bad = _run_group(engine, df, str(name), str(spec), settings, h)
        runs.append(out)
        failed += bad
    parts = [_combine(runs, components, failed)]
    recent = fit.filter(from_end() <= window)
    rate = recent.group_by("unique_id").agg(rate=pl.col("y").mean(), n=pl.len())
    rate = rate.join(fit.group_by("unique_id").agg(long_run=pl.col("y").mean()), on="unique_id")
    flat = planned.filter(pl.col("model").is_in(FLAT) | pl.col("unique_id").is_in(failed))
    flat = flat.with_columns(
        model=pl.when(pl.col("unique_id").is_in(failed)).then(pl.lit("fallback")).otherwise("model")
    )
    flat_rates = _flat_rates(
        flat, rate, categories, planned, settings.forecast.new_prior_days / DAYS[freq]
    )
    parts.append(
        flat_rates.join(pl.DataFrame({"ds": future}), how="cross").select(
            "unique_id", "ds", "model", "mean"
        )
    )
    rows = pl.concat(parts).with_columns(pl.col("mean").clip(0.0)).sort("unique_id", "ds")
    models = planned.with_columns(
        model=pl.when(pl.col("unique_id").is_in(failed))
        .then(pl.lit("fallback"))
        .otherwise("model"),
        status=pl.when(pl.col("unique_id").is_in(failed))
        .then(pl.lit("fallback"))
        .otherwise("status"),
    )
    probs = list(settings.forecast.quantiles)
    if "quantile_method" not in models.columns:
        models = models.with_columns(quantile_method=pl.lit(DEFAULT))
    needs = models.filter(pl.col("quantile_method").fill_null(DEFAULT) != DEFAULT)
    recent = recent_quantiles(
        fit.join(needs.select("unique_id"), on="unique_id"), probs, YEAR[freq]
    )
    rows = add_quantiles(rows, models, probs, recent)
    return Forecast(rows, models, len(failed))


def _combine(runs: list[pl.DataFrame], components: pl.DataFrame, failed: list[str]) -> pl.DataFrame:
    """Each series' forecast from its parts' runs: the mean of its parts, named its model."""
    schema = pl.Schema(
        {"unique_id": pl.String, "ds": pl.Date, "model": pl.String, "mean": pl.Float64}
    )
    if not runs:
        return pl.DataFrame(schema=schema)
    return (
        pl.concat(runs)
        .filter(~pl.col("unique_id").is_in(failed))
        .join(
            components.select("unique_id", "part", "model"),
            left_on=["unique_id", "model"],
            right_on=["unique_id", "part"],
        )
        .group_by("unique_id", "ds", "model_right")
        .agg(pl.col("mean").mean())
        .select("unique_id", "ds", model="model_right", mean="mean")
        .cast(schema)
    )


def _run_group(
    engine: Engine, df: pl.DataFrame, name: str, spec: str, settings: Settings, h: int
) -> tuple[pl.DataFrame, list[str]]:
    """Forecasts of one model group and the series it failed on."""
    model = make_model(name, spec, settings.freq, settings.forecast)
    parts = by_halves(lambda d: engine.forecast(d, [model], h), df, name)
    out = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={"unique_id": pl.String, "ds": pl.Date, name: pl.Float64})
    )
    out = out.select(
        "unique_id", "ds", pl.lit(name).alias("model"), mean=pl.col(name).cast(pl.Float64)
    )
    bad = set(out.filter(~pl.col("mean").is_finite())["unique_id"])
    bad |= set(df["unique_id"].unique()) - set(out["unique_id"].unique())
    return out.filter(~pl.col("unique_id").is_in(list(bad))), sorted(bad)


def _run_kept(
    kept: KeptModels,
    df: pl.DataFrame,
    name: str,
    spec: str,
    settings: Settings,
    future: pl.Series,
) -> tuple[pl.DataFrame, list[str]]:
    """Forecasts of one automatic model group from the models in `kept`: a series kept with
    this model and spec has its fitted model applied to its history grown since (forward:
    parameters kept, states run on); the others are fitted and kept."""
    h = future.len()
    done, means, bad = [], [], []
    for uid, ds, y in by_series(df):
        k = kept.get((name, uid))
        try:
            if k is not None and k.spec == spec and (ds == k.last).any():
                k.y = np.concatenate([k.y, y[ds > k.last]])
                k.last = ds[-1]
                mean = k.fitted.forward(y=k.y, h=h)["mean"]
            else:
                model = make_model(name, spec, settings.freq, settings.forecast).fit(y)
                kept[(name, uid)] = Kept(name, spec, model, y, ds[-1])
                mean = model.predict(h=h)["mean"]
        except Exception as e:
            log.warning("%s failed on %s: %s", name, uid, e)
            kept.pop((name, uid), None)
            bad.append(uid)
            continue
        if not np.isfinite(mean).all():
            bad.append(uid)
            continue
        done.append(uid)
        means.append(mean)
    out = pl.DataFrame(
        {
            "unique_id": pl.Series(np.repeat(done, h), dtype=pl.String),
            "ds": pl.Series(np.tile(future.to_numpy(), len(done)), dtype=pl.Date),
            "model": pl.Series([name] * (h * len(done)), dtype=pl.String),
            "mean": pl.Series(np.concatenate(means) if means else [], dtype=pl.Float64),
        }
    )
    return out, sorted(bad)


def _flat_rates(
    flat: pl.DataFrame,
    rate: pl.DataFrame,
    categories: pl.DataFrame,
    planned: pl.DataFrame,
    prior: float,
) -> pl.DataFrame:
    """A constant rate per series: zero for `Zero`, the mean of the whole fitted history for
    `LongRunRate`, the recent mean for `fallback`, and for
    `NewRate` the credibility blend (n * own + prior * category) / (n + prior) (Bühlmann 1967),
    where the category's rate is the median recent rate of its established series (not new,
    not inactive): the typical item of the category, not the mean that its few fast movers
    pull up (a new slow item would otherwise be stocked like a best seller).
    """
    established = planned.filter(~pl.col("demand_class").is_in(["new", "inactive"])).select(
        "unique_id"
    )
    cat_rate = (
        rate.join(established, on="unique_id")
        .join(categories, on="unique_id")
        .group_by("category")
        .agg(cat_rate=pl.col("rate").median())
    )
    f = flat.join(rate, on="unique_id", how="left").join(categories, on="unique_id", how="left")
    f = f.join(cat_rate, on="category", how="left").with_columns(
        pl.col("rate", "n", "long_run").fill_null(0)
    )
    blend = (
        pl.when(pl.col("cat_rate").is_not_null())
        .then((pl.col("n") * pl.col("rate") + prior * pl.col("cat_rate")) / (pl.col("n") + prior))
        .otherwise("rate")
    )
    return f.select(
        "unique_id",
        "model",
        mean=pl.when(pl.col("model") == "Zero")
        .then(0.0)
        .when(pl.col("model") == "LongRunRate")
        .then(pl.col("long_run"))
        .when(pl.col("model") == "NewRate")
        .then(blend)
        .otherwise("rate"),
    )


def _future(fit: pl.DataFrame, freq: str, h: int) -> pl.Series:
    """The `h` periods after the last one of `fit` (all series end on the same period)."""
    step = PERIOD[freq]
    last = fit.select(pl.col("ds").max())
    return (
        last.select(
            ds=pl.date_ranges(
                pl.col("ds").dt.offset_by(step), pl.col("ds").dt.offset_by(f"{h}{step[1:]}"), step
            )
        )
        .explode("ds")["ds"]
        .drop_nulls()
    )
