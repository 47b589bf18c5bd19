"""Per-series model selection by rolling-origin cross-validation, scored by RMSSE."""

from __future__ import annotations

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
from shortage_radar.forecast.portfolio import (
    SEASON,
    SEASONAL,
    chosen_spec,
    in_periods,
    make_model,
    periods,
)
from shortage_radar.forecast.spread import (
    DEFAULT,
    METHODS,
    YEAR,
    cv_pinball,
    idle_windows,
    method_quantiles,
    qcols,
    recent_quantiles,
)
from shortage_radar.forecast.uncertainty import dispersion
from shortage_radar.settings import Settings

# Automatic models are fitted once per series and rolled forward over the windows (their
# parameter search is the slow part); the others are refitted at every origin.
ROLL_FORWARD = {"AutoETS", "AutoTheta"}


@dataclass
class Selection:
    """What selection decided and how well each choice did out of sample."""

    models: (
        pl.DataFrame
    )  # unique_id, demand_class, model, spec, status, cv_rmsse, cv_spl, dispersion
    accuracy: pl.DataFrame  # per series, per class and overall scores of the chosen models
    cv: pl.DataFrame  # unique_id, demand_class, cutoff, ds, y, model, yhat for every candidate
    failed: int  # (series, model) candidates that could not be fitted
    # unique_id -> its automatic model (ROLL_FORWARD) as fitted on the whole frame to pin its
    # spec: the same fit as that spec's refit on the same frame
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
    (Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16). Each class's
    candidates are its portfolio and the combination of its two best (with_combinations). A
    series too short for the windows gets its class's best candidate (its first model when no
    series of the class had windows) with status `default`. choose() picks among the
    candidates; a model that fails on a series is no candidate for it. The dispersion of the
    chosen model's errors gives the uncertainty model's parameters (uncertainty.dispersion).
    """
    cfg = settings.forecast
    h = periods(cfg, "cv_horizon", settings.freq)
    test = h * cfg.cv_windows
    # seasonal models need two seasons before the first cutoff; the others one window, so a
    # young series (a new deployment's first months) still gets its errors measured
    need = {False: test + h, True: test + max(2 * SEASON[settings.freq], h)}
    portfolio = portfolio_of(settings)
    lengths = fit.group_by("unique_id").agg(n=pl.len())
    cand = classes.join(lengths, on="unique_id").filter(
        pl.col("demand_class").is_in(list(portfolio))
    )
    eligible = cand.filter(pl.col("n") >= need[False])
    cv_parts, failed = [], 0
    pinned: dict[str, pl.DataFrame] = {}
    for name in dict.fromkeys(m for ms in portfolio.values() for m in ms):
        ids = eligible.filter(
            pl.col("demand_class").is_in([c for c, ms in portfolio.items() if name in ms]),
            pl.col("n") >= need[name in SEASONAL],
        )
        if ids.is_empty():
            continue
        df = fit.join(ids.select("unique_id"), on="unique_id")
        if name in ROLL_FORWARD:
            outs, pinned[name] = _pinned_cv(engine, df, name, settings, h)
        else:
            model = make_model(name, "", settings.freq, cfg)
            run = partial(
                engine.cross_validation, models=[model], h=h, n_windows=cfg.cv_windows, refit=True
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
    cv, portfolio = with_combinations(cv, scale, portfolio)
    score = choose(cv, scale, portfolio, cfg.switch_margin)
    chosen_cv = cv.join(score.select("unique_id", "model"), on=["unique_id", "model"])
    disp = dispersion(chosen_cv, "demand_class")
    best = {c: ms[0] for c, ms in portfolio.items()} | class_best(cv, scale, portfolio)
    defaults = (
        cand.join(score, on="unique_id", how="anti")
        .select("unique_id", "demand_class")
        .with_columns(model=pl.col("demand_class").replace_strict(best))
    )
    models = pl.concat(
        [
            score.with_columns(status=pl.lit("selected")),
            defaults.with_columns(status=pl.lit("default"), cv_rmsse=pl.lit(None, pl.Float64)),
        ],
        how="diagonal_relaxed",
    )
    models, fitted = _with_specs(models, fit, settings, engine, pinned)
    models = models.join(disp.drop("demand_class"), on="unique_id", how="left")
    models = fill_dispersion(models, disp)
    models = _with_methods(models, chosen_cv, fit, classes, settings).with_columns(
        selected_on=pl.lit(as_of)
    )
    acc = score_chosen(chosen_cv, scale, models, cfg.quantiles, fit, YEAR[settings.freq])
    return Selection(models, acc, cv, failed, fitted)


def _with_methods(
    models: pl.DataFrame,
    chosen_cv: pl.DataFrame,
    fit: pl.DataFrame,
    classes: pl.DataFrame,
    settings: Settings,
) -> pl.DataFrame:
    """`models` with each series' quantile_method (spread.py), plus one row per inactive series
    (status `inactive`, model `[forecast] inactive_model`) carrying the inactive class's method.

    Active series: the methods scored on their chosen model's windows, kept by keep_best with
    the switch margin; series without windows get their class's method. Inactive series: the
    methods scored on the series inactive at each origin of the windows, one choice for all.
    """
    cfg = settings.forecast
    probs, last = list(cfg.quantiles), YEAR[settings.freq]
    cols = ["unique_id", "demand_class", "cutoff", "ds", "y", "yhat"]
    scored = cv_pinball(chosen_cv.select(cols), fit, None, probs, last)
    long_run = cfg.inactive_model == "LongRunRate"
    cutoffs = chosen_cv["cutoff"].unique().sort().to_list()
    idle = in_periods(settings.classify.inactive_days, settings.freq)
    h = periods(cfg, "cv_horizon", settings.freq)
    idle_rows = idle_windows(fit, cutoffs, idle, h, long_run)
    if not idle_rows.is_empty():
        c = models.filter(pl.col("status") == "selected")["overdispersion"].median()
        params = (
            idle_rows.select("unique_id")
            .unique()
            .with_columns(overdispersion=pl.lit(c or 0.0, pl.Float64))
        )
        idle_scored = cv_pinball(idle_rows, fit, params, probs, last)
    else:
        idle_scored = scored.clear()
    order = pl.DataFrame({"method": list(METHODS), "rank": list(range(len(METHODS)))})
    kept = keep_best(scored.join(order, on="method"), "method", "score", cfg.switch_margin).rename(
        {"method": "quantile_method", "score": "cv_spl"}
    )
    by_class = (
        pl.concat([scored, idle_scored])
        .join(order, on="method")
        .group_by("demand_class", "method", "rank")
        .agg(pl.col("score").mean())
        .sort("demand_class", "score", "rank")
        .unique("demand_class", keep="first")
        .select("demand_class", class_method="method")
    )
    inactive = classes.filter(pl.col("demand_class") == "inactive").select(
        "unique_id",
        "demand_class",
        model=pl.lit(cfg.inactive_model),
        status=pl.lit("inactive"),
    )
    return (
        pl.concat([models, inactive], how="diagonal_relaxed")
        .join(kept.drop("demand_class"), on="unique_id", how="left")
        .join(by_class, on="demand_class", how="left")
        .with_columns(
            quantile_method=pl.when(pl.col("status") == "inactive")
            .then("class_method")
            .otherwise(pl.coalesce("quantile_method", "class_method"))
            .fill_null(DEFAULT)
        )
        .drop("class_method")
    )


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
    return keep_best(_rmsse(cv, scale, portfolio), "model", "cv_rmsse", margin)


def _rmsse(
    cv: pl.DataFrame, scale: pl.DataFrame, portfolio: dict[str, tuple[str, ...]]
) -> pl.DataFrame:
    """Per series and candidate: unique_id, demand_class, model, cv_rmsse, rank (its place in
    the class's portfolio)."""
    order = pl.DataFrame(
        [(c, m, i) for c, ms in portfolio.items() for i, m in enumerate(ms)],
        schema={"demand_class": pl.String, "model": pl.String, "rank": pl.Int64},
        orient="row",
    )
    return (
        cv.join(scale, on="unique_id")
        .group_by("unique_id", "demand_class", "model")
        .agg(
            cv_rmsse=(
                ((pl.col("y") - pl.col("yhat")) ** 2).mean() / pl.col("scale_sq").first()
            ).sqrt()
        )
        .join(order, on=["demand_class", "model"])
    )


def _class_ranking(score: pl.DataFrame, what: str, value: str) -> pl.DataFrame:
    """Candidates per class, best first: demand_class, `what`, `value` (mean over series), rank."""
    return (
        score.group_by("demand_class", what, "rank")
        .agg(pl.col(value).mean())
        .sort("demand_class", value, "rank")
    )


def class_best(
    cv: pl.DataFrame, scale: pl.DataFrame, portfolio: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Per class (with windows) its candidate of lowest mean RMSSE over its series."""
    best = _class_ranking(_rmsse(cv, scale, portfolio), "model", "cv_rmsse").unique(
        "demand_class", keep="first", maintain_order=True
    )
    return dict(zip(best["demand_class"], best["model"], strict=True))


def with_combinations(
    cv: pl.DataFrame, scale: pl.DataFrame, portfolio: dict[str, tuple[str, ...]]
) -> tuple[pl.DataFrame, dict[str, tuple[str, ...]]]:
    """`cv` with one more candidate per class, the mean of its two best models (lowest mean
    RMSSE over the class), named "A+B" (best first), and the portfolio with it listed last.

    Combining forecasts of different models is more accurate on average than picking one
    (Makridakis, Spiliotis & Assimakopoulos 2020, "The M4 Competition", IJF 36; Clemen 1989,
    "Combining forecasts: a review", IJF 5); two cheap models keep the daily refit cheap. Its
    windows are those where both models have one (a model failing on a series drops the
    combination there too).
    """
    ranking = _class_ranking(_rmsse(cv, scale, portfolio), "model", "cv_rmsse")
    top = ranking.group_by("demand_class", maintain_order=True).agg(pl.col("model").head(2))
    top = top.filter(pl.col("model").list.len() == 2)
    if top.is_empty():
        return cv, portfolio
    pairs = top.select("demand_class", combo=pl.col("model").list.join("+"), part="model").explode(
        "part"
    )
    keys = ["unique_id", "cutoff", "ds"]
    combined = (
        cv.join(pairs, left_on=["demand_class", "model"], right_on=["demand_class", "part"])
        .group_by(*keys, "demand_class", "combo")
        .agg(pl.col("y").first(), pl.col("yhat").mean(), n=pl.len())
        .filter(pl.col("n") == 2)
        .select(*keys, "y", "demand_class", "yhat", model="combo")
    )
    combos = dict(zip(top["demand_class"], top["model"].list.join("+"), strict=True))
    extended = {c: (*ms, combos[c]) if c in combos else ms for c, ms in portfolio.items()}
    return pl.concat([cv, combined.select(cv.columns)]), extended


def keep_best(score: pl.DataFrame, what: str, value: str, margin: float) -> pl.DataFrame:
    """Per (unique_id, demand_class) the candidate `what` to keep by its score `value` (lower
    is better): the class's best (lowest mean over the class's series) unless another beats it
    on the series by more than `margin` (a share). Ties go to the lower `rank`.

    In: unique_id, demand_class, `what`, `value`, rank. Out: unique_id, demand_class, `what`,
    `value`.
    """
    keys = ["unique_id", "demand_class"]
    best = (
        _class_ranking(score, what, value)
        .unique("demand_class", keep="first")
        .select("demand_class", _class=what)
    )
    score = score.join(best, on="demand_class").with_columns(
        _is_class=pl.col(what) == pl.col("_class"),
    )
    bar = score.filter("_is_class").select(*keys, _bar=pl.col(value) * (1 - margin))
    return (
        score.join(bar, on=keys, how="left")
        .filter(pl.col("_is_class") | pl.col("_bar").is_null() | (pl.col(value) < pl.col("_bar")))
        .sort(*keys, value, "rank")
        .unique(keys, keep="first")
        .select(*keys, what, value)
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


def _pinned_cv(
    engine: Engine, df: pl.DataFrame, name: str, settings: Settings, h: int
) -> tuple[list[pl.DataFrame], pl.DataFrame]:
    """Cross-validation of an automatic model in the form it picks before the first window.

    The automatic search runs once per series, on the periods before the first window (the
    slow part); its fit, in the form it found, is rolled forward over the windows (rolled), as
    statsforecast's cross_validation(refit=False) does with the automatic model itself. Out:
    the CV frames and unique_id, spec: the form the windows validated, which the daily runs
    refit (no second search on the whole history). A series the search fails on is left out.
    """
    cfg = settings.forecast
    auto = make_model(name, "", settings.freq, cfg)
    df = df.sort("unique_id", "ds")
    train = df.filter(from_end() > h * cfg.cv_windows)

    def search(d: pl.DataFrame) -> tuple[list[str], Any]:
        uids, fitted = engine.fit(d, [auto])
        return uids, fitted[:, 0]

    found = by_halves(search, train, name)
    fits = {u: f for uids, fitted in found for u, f in zip(uids, fitted, strict=True)}
    spec = pl.DataFrame(
        {"unique_id": list(fits), "spec": [chosen_spec(name, f) for f in fits.values()]},
        schema=_SPEC,
    )
    return [
        rolled(df.filter(pl.col("unique_id").is_in(list(fits))), fits, name, h, cfg.cv_windows)
    ], spec


def rolled(df: pl.DataFrame, fits: dict[str, Any], name: str, h: int, windows: int) -> pl.DataFrame:
    """statsforecast's cross_validation(refit=False, step_size=h) of models already fitted on
    the periods before the first window: each one's forward() over each window's history.

    In: `df` (unique_id, ds, y) sorted, one fitted model per unique_id. Out: unique_id, ds,
    cutoff, y, `name` (the forecast), by unique_id, cutoff, ds; the form's fit itself is not
    repeated (a refit would give the same model: the search fitted that form on that data).
    """
    cols: dict[str, list[Any]] = {c: [] for c in (*_ROLLED, name)}
    for (uid,), g in df.group_by("unique_id", maintain_order=True):
        y, ds = g["y"].to_numpy(), g["ds"].to_list()
        for k in range(windows):
            cut = y.size - h * (windows - k)
            cols["unique_id"] += [uid] * h
            cols["ds"] += ds[cut : cut + h]
            cols["cutoff"] += [ds[cut - 1]] * h
            cols["y"] += y[cut : cut + h].tolist()
            cols[name] += fits[str(uid)].forward(y=y[:cut], h=h)["mean"].tolist()
    return pl.DataFrame(cols, schema={**_ROLLED, name: pl.Float64})


_ROLLED = {"unique_id": pl.String, "ds": pl.Date, "cutoff": pl.Date, "y": pl.Float64}
_SPEC = {"unique_id": pl.String, "spec": pl.String}


def _unfit_forms(fit: pl.DataFrame, known: pl.DataFrame, name: str) -> pl.DataFrame:
    """Series whose validated form cannot be fitted on their whole history: an ETS form with a
    multiplicative part (M) needs positive data, and zeros may have come after the first
    window's origin. Out: unique_id (they are searched again on the whole history)."""
    if name != "AutoETS":
        return known.select("unique_id").clear()
    zeros = fit.group_by("unique_id").agg(low=pl.col("y").min() <= 0).filter("low")
    return (
        known.filter(pl.col("spec").str.contains("M"))
        .join(zeros, on="unique_id")
        .select("unique_id")
    )


def _with_specs(
    models: pl.DataFrame,
    fit: pl.DataFrame,
    settings: Settings,
    engine: Engine,
    pinned: dict[str, pl.DataFrame],
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Each series' spec: the form of each automatic model it uses, as validated in its
    cross-validation (`pinned`: model -> unique_id, spec), else found by one automatic fit on
    its whole history (series too short for the windows). Also those fits on the whole
    history, by unique_id, of series whose model is that automatic model alone (a refit of
    their spec would give the same: Selection.fitted).

    A combination "A+B" gets "specA+specB", its parts' specs in its parts' order.
    """
    fitted_by: dict[str, Any] = {}
    parts = models.select(
        "unique_id",
        part=pl.col("model").str.split("+"),
        i=pl.int_ranges(pl.col("model").str.count_matches("+", literal=True) + 1),
    ).explode("part", "i")
    specs = []
    for name in ROLL_FORWARD:
        ids = parts.filter(pl.col("part") == name).select("unique_id").unique()
        known = pinned.get(name, pl.DataFrame(schema=_SPEC)).join(ids, on="unique_id")
        known = known.join(_unfit_forms(fit, known, name), on="unique_id", how="anti")
        specs.append(known.with_columns(part=pl.lit(name)).select("unique_id", "part", "spec"))
        ids = ids.join(known, on="unique_id", how="anti")
        if ids.is_empty():
            continue
        # a series too short for the model's fit (AutoETS: "tiny datasets") is left without
        # a spec; the forecast then falls back for it as for any failed fit
        auto = [make_model(name, "", settings.freq, settings.forecast)]
        fits = by_halves(partial(engine.fit, models=auto), fit.join(ids, on="unique_id"), name)
        uids = [u for us, _ in fits for u in us]
        fitted = [f for _, fs in fits for f in fs[:, 0]]
        specs.append(
            pl.DataFrame(
                {"unique_id": uids, "part": name, "spec": [chosen_spec(name, f) for f in fitted]},
                schema={"unique_id": pl.String, "part": pl.String, "spec": pl.String},
            )
        )
        alone = set(models.filter(pl.col("model") == name)["unique_id"])
        fitted_by.update((u, f) for u, f in zip(uids, fitted, strict=True) if u in alone)
    spec = (
        pl.concat(specs)
        if specs
        else pl.DataFrame(schema={"unique_id": pl.String, "part": pl.String, "spec": pl.String})
    )
    joined = (
        parts.join(spec, on=["unique_id", "part"], how="left")
        .with_columns(pl.col("spec").fill_null(""))
        .sort("unique_id", "i")
        .group_by("unique_id", maintain_order=True)
        .agg(pl.col("spec").str.join("+"))
    )
    out = models.join(joined, on="unique_id", how="left")
    return out.with_columns(pl.col("spec").fill_null("")), fitted_by


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
    chosen_cv: pl.DataFrame,
    scale: pl.DataFrame,
    models: pl.DataFrame,
    probs: tuple[float, ...],
    fit: pl.DataFrame,
    last: int,
) -> pl.DataFrame:
    """Accuracy of the chosen models on the CV windows: per series, per class and overall.

    The quantiles are each series' chosen method's, the empirical ones of the `last` periods
    up to each window's origin. Out: level (`series`/`class`/`all`), unique_id, demand_class,
    model, rmsse, bias, spl, coverage_NN, n (periods scored), series.
    """
    recent = recent_quantiles(
        fit, list(probs), last, chosen_cv.select("unique_id", "cutoff").unique()
    )
    with_q = add_quantiles(chosen_cv.rename({"yhat": "mean"}), models, list(probs), recent).rename(
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


def add_quantiles(
    frame: pl.DataFrame,
    params: pl.DataFrame,
    probs: list[float],
    recent: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`frame` (unique_id, mean, ...) with a qNN column per prob, by each series' method.

    `params` has unique_id, overdispersion and optionally quantile_method (NegBin when
    missing); `recent` the empirical quantiles (spread.recent_quantiles: unique_id, and cutoff
    when per window, eNN) the Empirical and Mix methods need (NegBin where missing).
    """
    cols = ["unique_id", "overdispersion"]
    cols += ["quantile_method"] if "quantile_method" in params.columns else []
    f = frame.join(params.select(cols), on="unique_id", how="left")
    ecols = [f"e{c[1:]}" for c in qcols(probs)]
    if recent is None:
        emp = np.full((f.height, len(probs)), np.nan)
    else:
        keys = [k for k in ("unique_id", "cutoff") if k in recent.columns]
        joined = f.select(keys).join(recent, on=keys, how="left", maintain_order="left")
        emp = joined.select(pl.col(ecols).cast(pl.Float64)).fill_null(np.nan).to_numpy()
    method = (
        f["quantile_method"].fill_null(DEFAULT).to_numpy()
        if "quantile_method" in f.columns
        else np.full(f.height, DEFAULT)
    )
    q = method_quantiles(
        f["mean"].to_numpy(), f["overdispersion"].fill_null(0.0).to_numpy(), emp, method, probs
    )
    return f.drop(cols[1:]).with_columns(pl.Series(c, q[:, j]) for j, c in enumerate(qcols(probs)))
