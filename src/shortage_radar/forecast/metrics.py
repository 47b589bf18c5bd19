"""Forecast accuracy: RMSSE, bias, scaled pinball loss and coverage, per series."""

from __future__ import annotations

import polars as pl


def scales(train: pl.DataFrame) -> pl.DataFrame:
    """Per series the in-sample one-step naive errors that scale the metrics.

    In: (unique_id, ds, y) before the first forecast origin. Out: unique_id, scale_sq (mean
    squared first difference, the RMSSE denominator) and scale_abs (mean absolute first
    difference, the scaled pinball denominator), as in the M5 competition (Makridakis,
    Spiliotis & Assimakopoulos 2022, IJF 38). A flat history (scale 0) gets 1: its errors are
    then reported unscaled rather than infinite.
    """
    diff = pl.col("y").diff()
    out = (
        train.sort("unique_id", "ds")
        .group_by("unique_id")
        .agg(scale_sq=(diff**2).mean(), scale_abs=diff.abs().mean())
    )
    return out.with_columns(
        pl.when(pl.col(c) > 0).then(pl.col(c)).otherwise(1.0).alias(c)
        for c in ("scale_sq", "scale_abs")
    )


def pinball(y: pl.Expr, q: pl.Expr, p: float) -> pl.Expr:
    """The pinball (quantile) loss of quantile q at probability p."""
    return pl.max_horizontal((y - q) * p, (q - y) * (1 - p))


def accuracy(
    errors: pl.DataFrame, scale: pl.DataFrame, probs: list[float], keys: list[str]
) -> pl.DataFrame:
    """Scores per `keys` (unique_id at least): rmsse, bias, spl, coverage_NN, n, sum_y, sum_yhat.

    In: rows of (unique_id, y, yhat, qNN...) for forecasts made out of sample, and `scale`
    from scales(). rmsse = sqrt(mean(e^2) / scale_sq), the M5 RMSSE; bias = (sum yhat - sum
    y) / sum y (positive: too high; null without demand); spl = mean over probs of the
    pinball loss / scale_abs (M5's scaled pinball loss); coverage_NN = share of periods with
    y <= qNN (nominal NN%).
    """
    cols = [f"q{round(p * 100)}" for p in probs]
    y = pl.col("y")
    return (
        errors.join(scale, on="unique_id", how="left")
        .group_by(keys)
        .agg(
            rmsse=(((y - pl.col("yhat")) ** 2).mean() / pl.col("scale_sq").first()).sqrt(),
            spl=pl.mean_horizontal(
                pinball(y, pl.col(c), p).mean() for c, p in zip(cols, probs, strict=True)
            )
            / pl.col("scale_abs").first(),
            **{f"coverage_{c[1:]}": (y <= pl.col(c)).mean() for c in cols},
            n=pl.len(),
            sum_y=y.sum(),
            sum_yhat=pl.col("yhat").sum(),
        )
        .with_columns(bias=_bias())
    )


def summarise(per_series: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per-series scores from accuracy() combined per `keys`: means of rmsse and spl over the
    series (each series counts once, as in M5), coverage over all periods, bias of the sums.
    """
    cover = [c for c in per_series.columns if c.startswith("coverage_")]
    return (
        per_series.group_by(keys)
        .agg(
            pl.col("rmsse", "spl").mean(),
            *((pl.col(c) * pl.col("n")).sum() / pl.col("n").sum() for c in cover),
            pl.col("n", "sum_y", "sum_yhat").sum(),
            series=pl.len(),
        )
        .with_columns(bias=_bias())
    )


def _bias() -> pl.Expr:
    y = pl.col("sum_y")
    return pl.when(y > 0).then((pl.col("sum_yhat") - y) / y)
