"""Per-series model selection by rolling-origin cross-validation, scored by RMSSE."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import polars as pl

from shortage_radar.demand.series import from_end
from shortage_radar.forecast.engine import Engine, by_halves
from shortage_radar.forecast.metrics import accuracy, scales, summarise
from shortage_radar.forecast.portfolio import SEASON, chosen_spec, make_model, periods
from shortage_radar.forecast.uncertainty import dispersion, quantiles
from shortage_radar.settings import Settings

# Automatic models are fitted once per series and rolled forward over the windows (their
# parameter search is the slow part); the others are refitted at every origin.
ROLL_FORWARD = {"AutoETS", "AutoTheta"}

log = logging.getLogger(__name__)


@dataclass
class Selection:
    """What selection decided and how well each choice did out of sample."""

    models: (
        pl.DataFrame
    )  # unique_id, demand_class, model, spec, status, cv_rmsse, cv_spl, dispersion
    accuracy: pl.DataFrame  # per series, per class and overall scores of the chosen models
    cv: pl.DataFrame  # unique_id, demand_class, cutoff, ds, y, model, yhat for every candidate
    failed: int  # (series, model) candidates that could not be fitted
    # unique_id -> its automatic model (ROLL_FORWARD) where it was fitted on the whole frame
    # to pin its spec (defaults): the same fit as that spec's refit on the same frame
    fitted: dict[str, Any] = field(default_factory=dict)


def portfolio_of(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Candidate models per demand class (new and inactive series have no candidates)."""
    p = settings.forecast.portfolio
    return {
        "smooth": p.smooth,
        "erratic": p.erratic,
        "intermittent": p.intermittent,
        "lumpy": p.lumpy,
    }


def select(
    fit: pl.DataFrame, classes: pl.DataFrame, settings: Settings, engine: Engine, as_of: date
) -> Selection:
    """Cross-validate each class's portfolio on its series and choose each series' model.

    In: `fit` (unique_id, ds, y) from censor.fit_frame, `classes` (unique_id, demand_class).
    Windows: cv_windows origins one cv_horizon apart, the last ending at the end of the data
    (Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16). A series too short
    for them gets its class's first model with status `default`. choose() picks among the
    candidates; a model that fails on a series is no candidate for it. The dispersion of the
    chosen model's errors gives the uncertainty model's parameters (uncertainty.dispersion).
    An automatic model (ROLL_FORWARD) is fitted once per series, on the data before the first
    window, and run on over the later ones; the form it settled on there is the one pinned
    for the daily refits (spec): the form whose errors were scored, at no second search.
    """
    cfg = settings.forecast
    h = periods(cfg, "cv_horizon", settings.freq)
    test = h * cfg.cv_windows
    need = test + max(2 * SEASON[settings.freq], h)
    portfolio = portfolio_of(settings)
    lengths = fit.group_by("unique_id").agg(n=pl.len())
    cand = classes.join(lengths, on="unique_id").filter(
        pl.col("demand_class").is_in(list(portfolio))
    )
    eligible = cand.filter(pl.col("n") >= need)
    cv_parts, failed = [], 0
    cv_fits: dict[tuple[str, str], Any] = {}  # (model, unique_id) -> fitted before the windows
    for name in dict.fromkeys(m for ms in portfolio.values() for m in ms):
        ids = eligible.filter(
            pl.col("demand_class").is_in([c for c, ms in portfolio.items() if name in ms])
        )
        if ids.is_empty():
            continue
        df = fit.join(ids.select("unique_id"), on="unique_id")
        model = make_model(name, "", settings.freq, cfg)
        if name in ROLL_FORWARD and engine.client is None:
            outs, fits = _rolled_cv(df, name, settings, h, cfg.cv_windows)
            cv_fits.update({(name, uid): f for uid, f in fits.items()})
        else:
            refit = name not in ROLL_FORWARD
            run = partial(
                engine.cross_validation, models=[model], h=h, n_windows=cfg.cv_windows, refit=refit
            )
            outs = by_halves(run, df, name)
        # a series the model fails on just has one candidate less
        failed += ids.height - sum(o["unique_id"].n_unique() for o in outs)
        if not outs:
            continue
        part = pl.concat(outs).select(
            "unique_id", "cutoff", "ds", "y", pl.lit(name).alias("model"), yhat=pl.col(name)
        )
        bad = part.filter(~pl.col("yhat").is_finite())["unique_id"].unique()
        failed += bad.len()
        cv_parts.append(part.filter(~pl.col("unique_id").is_in(bad.implode())))
    cv = (
        pl.concat(cv_parts).with_columns(pl.col("yhat").clip(0.0))
        if cv_parts
        else pl.DataFrame(
            schema={
                "unique_id": pl.String,
                "cutoff": pl.Date,
                "ds": pl.Date,
                "y": pl.Float64,
                "model": pl.String,
                "yhat": pl.Float64,
            }
        )
    ).join(classes.select("unique_id", "demand_class"), on="unique_id")
    first_cutoff = cv.group_by("unique_id").agg(first=pl.col("cutoff").min())
    scale = scales(fit.join(first_cutoff, on="unique_id").filter(pl.col("ds") <= pl.col("first")))
    score = choose(cv, scale, portfolio, cfg.switch_margin)
    chosen_cv = cv.join(score.select("unique_id", "model"), on=["unique_id", "model"])
    disp = dispersion(chosen_cv, "demand_class")
    defaults = (
        cand.join(score, on="unique_id", how="anti")
        .select("unique_id", "demand_class")
        .with_columns(
            model=pl.col("demand_class").replace_strict({c: ms[0] for c, ms in portfolio.items()})
        )
    )
    models = pl.concat(
        [
            score.with_columns(status=pl.lit("selected")),
            defaults.with_columns(status=pl.lit("default"), cv_rmsse=pl.lit(None, pl.Float64)),
        ],
        how="diagonal_relaxed",
    )
    models, fitted = _with_specs(models, fit, settings, engine, cv_fits, test)
    models = models.join(disp.drop("demand_class"), on="unique_id", how="left")
    models = fill_dispersion(models, disp).with_columns(selected_on=pl.lit(as_of))
    acc = score_chosen(chosen_cv, scale, models, cfg.quantiles)
    return Selection(models, acc, cv, failed, fitted)


def choose(
    cv: pl.DataFrame, scale: pl.DataFrame, portfolio: dict[str, tuple[str, ...]], margin: float
) -> pl.DataFrame:
    """Per series the model to keep: unique_id, demand_class, model, cv_rmsse.

    The class's best model (lowest mean RMSSE over the class's series) unless another one beats
    it on the series by more than `margin` (a share of its RMSSE): with a few windows, per-series
    RMSSE differences are mostly noise, and aggregate selection is hard to beat (Fildes &
    Petropoulos 2015, "Simple versus complex selection rules", IJF 31). Ties go to the model
    listed first in the class's portfolio.
    """
    order = pl.DataFrame(
        [(c, m, i) for c, ms in portfolio.items() for i, m in enumerate(ms)],
        schema={"demand_class": pl.String, "model": pl.String, "rank": pl.Int64},
        orient="row",
    )
    score = (
        cv.join(scale, on="unique_id")
        .group_by("unique_id", "demand_class", "model")
        .agg(
            cv_rmsse=(
                ((pl.col("y") - pl.col("yhat")) ** 2).mean() / pl.col("scale_sq").first()
            ).sqrt()
        )
        .join(order, on=["demand_class", "model"])
    )
    best = (
        score.group_by("demand_class", "model", "rank")
        .agg(pl.col("cv_rmsse").mean())
        .sort("demand_class", "cv_rmsse", "rank")
        .unique("demand_class", keep="first")
        .select("demand_class", class_model="model")
    )
    score = score.join(best, on="demand_class").with_columns(
        is_class=pl.col("model") == pl.col("class_model"),
    )
    bar = score.filter("is_class").select("unique_id", bar=pl.col("cv_rmsse") * (1 - margin))
    return (
        score.join(bar, on="unique_id", how="left")
        .filter(pl.col("is_class") | pl.col("bar").is_null() | (pl.col("cv_rmsse") < pl.col("bar")))
        .sort("unique_id", "cv_rmsse", "rank")
        .unique("unique_id", keep="first")
        .select("unique_id", "demand_class", "model", "cv_rmsse")
    )


def fill_dispersion(models: pl.DataFrame, disp: pl.DataFrame) -> pl.DataFrame:
    """Series without their own estimate take their class's median, else the overall median."""
    cols = ["overdispersion", "shock_var", "level_var"]
    by_class = disp.group_by("demand_class").agg(pl.col(c).median().alias(f"_{c}") for c in cols)
    overall = {c: (disp[c].median() if disp.height else 0.0) for c in cols}
    missing = [pl.lit(None, pl.Float64).alias(c) for c in cols if c not in models.columns]
    return (
        models.with_columns(missing)
        .join(by_class, on="demand_class", how="left")
        .with_columns(pl.coalesce(c, f"_{c}", pl.lit(overall[c] or 0.0)).alias(c) for c in cols)
        .drop(f"_{c}" for c in cols)
    )


def _with_specs(
    models: pl.DataFrame,
    fit: pl.DataFrame,
    settings: Settings,
    engine: Engine,
    cv_fits: dict[tuple[str, str], Any],
    test: int,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Pin the form (spec) each automatic model settled on for its chosen series: for a
    series it was chosen for by cross-validation, the form cross-validated, picked on the data
    before the first window (the fit in `cv_fits`, else one on that data here); for a default
    (too short for the windows), the form picked on all its data. Also the models fitted here
    on all the data, by unique_id (a refit of their spec would give the same)."""
    specs = [pl.DataFrame(schema={"unique_id": pl.String, "spec": pl.String})]
    fitted_by: dict[str, Any] = {}
    for name in sorted(ROLL_FORWARD):
        mine = models.filter(pl.col("model") == name)
        have = [u for u in mine["unique_id"] if (name, u) in cv_fits]
        specs.append(
            pl.DataFrame(
                {"unique_id": have, "spec": [chosen_spec(name, cv_fits[(name, u)]) for u in have]},
                schema={"unique_id": pl.String, "spec": pl.String},
            )
        )
        todo = mine.filter(~pl.col("unique_id").is_in(have))
        for status, frame in (
            ("selected", fit.sort("unique_id", "ds").filter(from_end() > test)),  # before window 1
            ("default", fit),
        ):
            ids = todo.filter(pl.col("status") == status)["unique_id"]
            if ids.is_empty():
                continue
            uids, fitted = engine.fit(
                frame.filter(pl.col("unique_id").is_in(ids.implode())),
                [make_model(name, "", settings.freq, settings.forecast)],
            )
            specs.append(
                pl.DataFrame(
                    {"unique_id": uids, "spec": [chosen_spec(name, f) for f in fitted[:, 0]]}
                )
            )
            if status == "default":
                fitted_by.update(zip(uids, fitted[:, 0], strict=True))
    joined = models.join(pl.concat(specs), on="unique_id", how="left")
    return joined.with_columns(pl.col("spec").fill_null("")), fitted_by


def _rolled_cv(
    df: pl.DataFrame, name: str, settings: Settings, h: int, n_windows: int
) -> tuple[list[pl.DataFrame], dict[str, Any]]:
    """statsforecast's cross_validation with refit=False (h-period windows one h apart, the
    last ending at the end of the data), series by series, keeping each series' model as
    fitted on the data before the first window (then run on to the later ones: forward).
    Series it fails on are left out. Out: [the cross_validation frame], fits by unique_id."""
    rows: dict[str, list[Any]] = {k: [] for k in ("unique_id", "cutoff", "ds", "y", name)}
    fits = {}
    for uid, ds, y in by_series(df):
        cuts = [len(y) - h * (n_windows - w) for w in range(n_windows)]
        try:
            model = make_model(name, "", settings.freq, settings.forecast).fit(y[: cuts[0]])
            means = [model.forward(y=y[:c], h=h)["mean"] for c in cuts]
        except Exception as e:
            log.warning("%s failed on %s: %s", name, uid, e)
            continue
        fits[uid] = model
        for c, mean in zip(cuts, means, strict=True):
            rows["unique_id"].append(np.full(h, uid, dtype=object))
            rows["cutoff"].append(np.repeat(ds[c - 1], h))
            rows["ds"].append(ds[c : c + h])
            rows["y"].append(y[c : c + h])
            rows[name].append(np.asarray(mean, dtype=np.float64))
    if not fits:
        return [], fits
    types = {"unique_id": pl.String, "cutoff": pl.Date, "ds": pl.Date, "y": pl.Float64}
    frame = pl.DataFrame(
        {k: pl.Series(np.concatenate(v), dtype=types.get(k, pl.Float64)) for k, v in rows.items()}
    )
    return [frame], fits


def by_series(df: pl.DataFrame) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(unique_id, ds, y) of each series of a (unique_id, ds, y) frame, ds in order, as
    arrays: one sort and slices, not a frame per series."""
    df = df.sort("unique_id", "ds")
    ids = df["unique_id"].to_numpy()
    ds, y = df["ds"].to_numpy(), df["y"].to_numpy()
    cut = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(ids)], strict=True):
        if hi > lo:
            yield str(ids[lo]), ds[lo:hi], y[lo:hi]


def score_chosen(
    chosen_cv: pl.DataFrame, scale: pl.DataFrame, models: pl.DataFrame, probs: tuple[float, ...]
) -> pl.DataFrame:
    """Accuracy of the chosen models on the CV windows: per series, per class and overall.

    Out: level (`series`/`class`/`all`), unique_id, demand_class, model, rmsse, bias, spl,
    coverage_NN, n (periods scored), series.
    """
    with_q = add_quantiles(chosen_cv.rename({"yhat": "mean"}), models, list(probs)).rename(
        {"mean": "yhat"}
    )
    per = accuracy(with_q, scale, list(probs), ["unique_id", "demand_class", "model"])
    by_class = summarise(per, ["demand_class"])
    overall = summarise(per.with_columns(demand_class=pl.lit(None, pl.String)), ["demand_class"])
    return pl.concat(
        [
            per.with_columns(level=pl.lit("series"), series=pl.lit(1, pl.UInt32)),
            by_class.with_columns(level=pl.lit("class")),
            overall.with_columns(level=pl.lit("all")),
        ],
        how="diagonal_relaxed",
    ).drop("sum_y", "sum_yhat")


def add_quantiles(frame: pl.DataFrame, params: pl.DataFrame, probs: list[float]) -> pl.DataFrame:
    """`frame` (unique_id, mean, ...) with a qNN column per prob from the series' overdispersion."""
    f = frame.join(params.select("unique_id", "overdispersion"), on="unique_id", how="left")
    q = quantiles(f["mean"].to_numpy(), f["overdispersion"].fill_null(0.0).to_numpy(), probs)
    return f.drop("overdispersion").with_columns(
        pl.Series(f"q{round(p * 100)}", q[:, j]) for j, p in enumerate(probs)
    )
