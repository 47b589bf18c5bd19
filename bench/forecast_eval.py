"""Rolling-origin evaluation of the forecast pipeline against single models and plain quantiles."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import polars as pl

from shortage_radar.demand.classify import classify
from shortage_radar.demand.series import from_end
from shortage_radar.forecast.censor import fit_frame
from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.metrics import accuracy, scales, summarise
from shortage_radar.forecast.portfolio import periods
from shortage_radar.forecast.predict import forecast, plan
from shortage_radar.forecast.select import select
from shortage_radar.settings import Settings

PROBS = [0.5, 0.8, 0.95]
BASELINES = ("Naive", "SeasonalNaive")
YEAR = {"D": 365, "W": 52, "M": 12}


def evaluate(
    demand: pl.DataFrame, items: pl.DataFrame, settings: Settings, origins: list[date], end: date
) -> dict[str, Any]:
    """Score ours and every single model at each origin, forecasting from the origin to `end`.

    In: demand series (unique_id, sku, location, ds, y, censored) of the whole span. At each
    origin only periods before it are seen (classes, selection, fitting); the periods from the
    origin up to `end` (exclusive) are scored. Series with no demand before an origin are not
    scored there (their RMSSE scale is undefined, as in M5). Out: {"rows": [per method:
    rmsse, spl, coverage_80, coverage_95, bias, seconds], "series": n, "scored": n}.
    """
    freq = settings.freq
    engine = Engine(freq, settings.forecast.n_jobs)
    singles = sorted({m for ms in _portfolio(settings) for m in ms} | set(BASELINES))
    per: dict[str, list[pl.DataFrame]] = {}
    seconds: dict[str, float] = {}
    scored = 0
    for origin in origins:
        seen = demand.filter(pl.col("ds") < origin)
        truth = demand.filter((pl.col("ds") >= origin) & (pl.col("ds") < end)).select(
            "unique_id", "ds", "y"
        )
        h = truth["ds"].n_unique()
        s = settings.model_copy(update={"horizon": h})
        classes = classify(seen, items, s.classify, as_of=origin)
        categories = classes.join(items, on="sku").select("unique_id", "category")
        fit = fit_frame(
            seen,
            history=periods(s.forecast, "history", freq),
            window=periods(s.forecast, "window", freq),
        )
        scale = scales(seen.select("unique_id", "ds", "y"))
        live = (
            seen.group_by("unique_id")
            .agg(pl.col("y").sum())
            .filter(pl.col("y") > 0)
            .select("unique_id")
        )
        scale = scale.join(live, on="unique_id")
        scored += scale.height
        t = time.perf_counter()
        chosen = select(fit, classes, s, engine, origin)
        ours = forecast(fit, plan(chosen.models, classes, s), categories, s, engine)
        seconds["ours"] = seconds.get("ours", 0.0) + time.perf_counter() - t
        per.setdefault("ours (per-series selection)", []).append(
            _score(ours.rows, truth, scale).join(
                ours.models.select("unique_id", "demand_class", "model"), on="unique_id"
            )
        )
        for name in singles:  # each model on every series, failures handled as in a run
            t = time.perf_counter()
            single = ours.models.with_columns(model=pl.lit(name), spec=pl.lit(""))
            out = forecast(fit, single, categories, s, engine)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
            per.setdefault(name, []).append(_score(out.rows, truth, scale))
        per.setdefault("plain: last year's empirical quantiles, flat", []).append(
            _score(_plain(fit, truth, YEAR[freq]), truth, scale)
        )
    rows = []
    for name, parts in per.items():
        total = summarise(pl.concat(parts).with_columns(k=pl.lit(1)), ["k"]).row(0, named=True)
        key = "ours" if name.startswith("ours") else name
        rows.append(
            {
                "method": name,
                **{k: total[k] for k in ("rmsse", "spl", "coverage_80", "coverage_95", "bias")},
                "seconds": seconds.get(key),
            }
        )
    return {"rows": rows, "series": demand["unique_id"].n_unique(), "scored": scored, "per": per}


def _portfolio(settings: Settings) -> list[tuple[str, ...]]:
    p = settings.forecast.portfolio
    return [p.smooth, p.erratic, p.intermittent, p.lumpy]


def _score(rows: pl.DataFrame, truth: pl.DataFrame, scale: pl.DataFrame) -> pl.DataFrame:
    joined = truth.join(rows.rename({"mean": "yhat"}), on=["unique_id", "ds"], how="left").join(
        scale.select("unique_id"), on="unique_id"
    )
    joined = joined.with_columns(
        pl.col("yhat", *[f"q{round(p * 100)}" for p in PROBS]).fill_null(0.0)
    )
    return accuracy(joined, scale, PROBS, ["unique_id"])


def _plain(fit: pl.DataFrame, truth: pl.DataFrame, last: int) -> pl.DataFrame:
    """Each series' empirical quantiles of its last `last` periods held flat; mean: their mean."""
    recent = fit.filter(from_end() <= last)
    q = recent.group_by("unique_id").agg(
        mean=pl.col("y").mean(),
        **{f"q{round(p * 100)}": pl.col("y").quantile(p, interpolation="higher") for p in PROBS},
    )
    return truth.select("unique_id", "ds").join(q, on="unique_id", how="left")
