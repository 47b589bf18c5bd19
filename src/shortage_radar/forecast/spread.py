"""How each series' per-period quantiles are made, chosen by cross-validated pinball loss.

Three methods:
- `NegBin`: the negative binomial around the point forecast (uncertainty.quantiles), with the
  overdispersion measured on the chosen model's cross-validation errors.
- `Empirical`: the series' own empirical quantiles of its last year of demand, held flat
  (the empirical distribution of demand per period that the bootstrap of intermittent demand
  draws from; Willemain, Smart & Schwarz 2004, "A new approach to forecasting intermittent
  demand for service parts inventories", IJF 20). Sharper than a negative binomial where the
  demand sizes are few and steady, blind to trend and season.
- `Mix`: the average of the two (rounded up to whole units). Averaging quantiles of two
  forecasters keeps the sharpness of both, where averaging their probabilities would widen
  (Lichtendahl, Grushka-Cockayne & Winkler 2013, "Is it better to average probabilities or
  quantiles?", Management Science 59).

select.select scores the three on the cross-validation windows of the chosen model, the
negative binomial's overdispersion estimated without the window it is scored on, and keeps
per series the method of its class with the lowest mean scaled pinball loss unless another
beats it on the series by the switch margin (the rule choose() applies to models). Inactive
series, which have no model to cross-validate, are scored the same way on the series that were
inactive at each cross-validation origin, as one class.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from shortage_radar.forecast.alive import idle_state
from shortage_radar.forecast.metrics import pinball, scales
from shortage_radar.forecast.uncertainty import dispersion, quantiles

METHODS = ("NegBin", "Empirical", "Mix")
DEFAULT = "NegBin"
YEAR = {"D": 365, "W": 52, "M": 12}


def qcols(probs: list[float]) -> list[str]:
    """The column names of the quantiles: q50, q80, q95, ..."""
    return [f"q{round(p * 100)}" for p in probs]


def recent_quantiles(
    fit: pl.DataFrame, probs: list[float], last: int, cutoffs: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Empirical quantiles of each series' last `last` periods: unique_id, eNN per prob.

    With `cutoffs` (unique_id, cutoff), of the last `last` periods up to and including each
    cutoff instead (key unique_id, cutoff). Of n values sorted, the quantile at p is the one
    at position ceil(p * (n - 1)) from 0 (polars' `higher`, as the plain alternative of the
    benchmark): an observed value, so whole units.
    """
    f = fit.select("unique_id", "ds", "y")
    keys = ["unique_id"]
    if cutoffs is not None:
        f = f.join(cutoffs, on="unique_id").filter(pl.col("ds") <= pl.col("cutoff"))
        keys.append("cutoff")
    recent = f.filter(pl.col("ds").rank("ordinal", descending=True).over(keys) <= last)
    return recent.group_by(keys).agg(
        pl.col("y").quantile(p, interpolation="higher").alias(f"e{c[1:]}")
        for p, c in zip(probs, qcols(probs), strict=True)
    )


def method_quantiles(
    mean: np.ndarray,
    overdispersion: np.ndarray,
    empirical: np.ndarray,
    method: np.ndarray,
    probs: list[float],
) -> np.ndarray:
    """Quantiles of shape (rows, probs) by each row's method (NegBin, Empirical or Mix).

    `empirical` (rows, probs) holds the series' empirical quantiles (NaN: none, NegBin is used).
    Whole units, >= 0, non-decreasing in probs.
    """
    nb = quantiles(mean, overdispersion, probs)
    emp = np.asarray(empirical, dtype=float).reshape(nb.shape)
    has = np.isfinite(emp).all(axis=1)
    emp = np.where(has[:, None], np.clip(emp, 0.0, None), nb)
    mix = np.ceil((nb + emp) / 2)
    m = np.asarray(method)[:, None]
    return np.where(m == "Empirical", emp, np.where(m == "Mix", mix, nb))


def cv_pinball(
    rows: pl.DataFrame,
    fit: pl.DataFrame,
    params: pl.DataFrame | None,
    probs: list[float],
    last: int,
) -> pl.DataFrame:
    """Scaled pinball loss of every method on cross-validation rows: unique_id, demand_class,
    method, score (mean over periods and probs of the pinball loss / scale_abs).

    In: rows (unique_id, demand_class, cutoff, ds, y, yhat). The negative binomial of a window
    takes the overdispersion estimated on the other windows (uncertainty.dispersion), or from
    `params` (unique_id, overdispersion) when given; the empirical quantiles are those of the
    `last` periods up to the window's origin.
    """
    if rows.is_empty():
        keys = dict.fromkeys(("unique_id", "demand_class", "method"), pl.String)
        return pl.DataFrame(schema={**keys, "score": pl.Float64})
    if params is None:
        parts = []
        for cut in rows["cutoff"].unique().sort():
            rest = rows.filter(pl.col("cutoff") != cut)
            disp = dispersion(rest, "demand_class").select("unique_id", "overdispersion")
            parts.append(
                rows.filter(pl.col("cutoff") == cut).join(disp, on="unique_id", how="left")
            )
        rows = pl.concat(parts)
    else:
        rows = rows.join(params.select("unique_id", "overdispersion"), on="unique_id", how="left")
    cuts = rows.select("unique_id", "cutoff").unique()
    emp = recent_quantiles(fit, probs, last, cuts)
    first = cuts.group_by("unique_id").agg(first=pl.col("cutoff").min())
    scale = scales(fit.join(first, on="unique_id").filter(pl.col("ds") <= pl.col("first")))
    r = rows.join(emp, on=["unique_id", "cutoff"], how="left")
    ecols = [f"e{c[1:]}" for c in qcols(probs)]
    emp_arr = r.select(pl.col(ecols).cast(pl.Float64)).to_numpy()
    c = r["overdispersion"].fill_null(0.0).to_numpy()
    scored = []
    for method in METHODS:
        q = method_quantiles(r["yhat"].to_numpy(), c, emp_arr, np.full(r.height, method), probs)
        loss = pl.mean_horizontal(
            pinball(pl.col("y"), pl.lit(pl.Series(q[:, j])), p) for j, p in enumerate(probs)
        )
        scored.append(r.select("unique_id", "demand_class", method=pl.lit(method), loss=loss))
    return (
        pl.concat(scored)
        .join(scale, on="unique_id")
        .group_by("unique_id", "demand_class", "method")
        .agg(score=(pl.col("loss").mean() / pl.col("scale_abs").first()).cast(pl.Float64))
    )


def idle_windows(
    fit: pl.DataFrame, cutoffs: list[date], idle: int, h: int, long_run: bool
) -> pl.DataFrame:
    """Cross-validation rows of the series inactive at each origin: demand_class `inactive`.

    A series is inactive at a cutoff when it had demand before but none in the `idle` periods
    up to and including it; its rows are the `h` periods after the cutoff, with yhat what an
    inactive series is forecast: 0, or with `long_run` the mean of its periods up to the cutoff.
    Out: unique_id, demand_class, cutoff, ds, y, yhat.
    """
    parts = []
    for cut in cutoffs:
        ids = idle_state(fit, cut, idle)
        after = fit.filter(pl.col("ds") > cut).join(ids, on="unique_id")
        after = after.filter(pl.col("ds").rank("ordinal").over("unique_id") <= h)
        parts.append(
            after.select(
                "unique_id",
                demand_class=pl.lit("inactive"),
                cutoff=pl.lit(cut),
                ds="ds",
                y="y",
                yhat=pl.col("rate") if long_run else pl.lit(0.0),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()
