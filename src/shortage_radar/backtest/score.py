"""Scores of a replay: service, stock and orders of a policy; precision and recall of warnings."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl


def policy_scores(
    ledger_demand: np.ndarray,
    short: np.ndarray,
    on_hand: np.ndarray,
    ordered: np.ndarray,
    reviews: list[int],
    unit_cost: np.ndarray,
) -> dict[str, float]:
    """Over all skus [s, t] of a replay:

    fill_rate: share of demand served from stock in the period it was asked for (units);
    cycle_service_level: share of review cycles (review to next review, per sku) that had
    demand and no unmet demand, among those with demand (Silver, Pyke & Thomas 2017, 7.1);
    inventory_value: mean over periods of the stock on the shelf at cost; orders: order lines
    placed; units_short: demand not served in its period (backordered or lost).
    """
    total = float(ledger_demand.sum())
    bounds = [*reviews, ledger_demand.shape[1]]
    had, served = 0, 0
    for lo, hi in itertools.pairwise(bounds):
        asked = ledger_demand[:, lo:hi].sum(axis=1) > 0
        had += int(asked.sum())
        served += int((asked & (short[:, lo:hi].sum(axis=1) == 0)).sum())
    return {
        "fill_rate": 1.0 - float(short.sum()) / total if total > 0 else float("nan"),
        "cycle_service_level": served / had if had else float("nan"),
        "inventory_value": float((on_hand * unit_cost[:, None]).sum(axis=0).mean()),
        "orders": float((ordered > 0).sum()),
        "units_short": float(short.sum()),
    }


def stockout_within(out: np.ndarray, reviews: list[int], h: int) -> np.ndarray:
    """[s, reviews] whether the sku was out of stock (`out` [s, t]: Ledger.out_of_stock) in
    the h periods from each review on; reviews whose window runs past the data are dropped
    by warning_scores."""
    return np.stack([out[:, r : r + h].any(axis=1) for r in reviews], axis=1)


def whole_windows(reviews: list[int], h: int, periods: int) -> list[int]:
    """Indices of the reviews whose h periods all lie in the `periods` replayed: the ones a
    warning of them can be scored at."""
    return [i for i, r in enumerate(reviews) if r + h <= periods]


def warning_scores(
    warned: np.ndarray, truth: np.ndarray, stocked_out: np.ndarray, reviews: list[int], h: int
) -> dict[str, float]:
    """Precision and recall of "a stock-out within h periods" warned at each review [s, r]
    against `truth` [s, r] (unless_acted: had nothing more been ordered), and of the same
    warnings against the replay's own stock-outs (`stocked_out` [s, t]: Ledger.out_of_stock;
    realized_*), over the reviews whose whole window lies in the data; and the median lead
    time: per stock-out of the replay (first period of a run out of stock), periods from the
    earliest review whose window covered it and that warned, to the stock-out (not counted
    when none warned).
    """
    periods = stocked_out.shape[1]
    whole = whole_windows(reviews, h, periods)
    said = warned[:, whole].astype(bool)
    out: dict[str, float] = {}
    for prefix, hit in (("", truth), ("realized_", stockout_within(stocked_out, reviews, h))):
        real = hit[:, whole].astype(bool)
        tp = int((said & real).sum())
        out[f"{prefix}precision_{h}"] = tp / int(said.sum()) if said.any() else float("nan")
        out[f"{prefix}recall_{h}"] = tp / int(real.sum()) if real.any() else float("nan")
        out[f"{prefix}stockouts_{h}"] = float(real.sum())
    lead: list[int] = []
    was = np.concatenate([np.zeros((stocked_out.shape[0], 1), dtype=bool), stocked_out[:, :-1]], 1)
    starts = stocked_out & ~was
    r_arr = np.asarray(reviews)
    for s, d in zip(*np.nonzero(starts), strict=True):
        covering = np.nonzero((r_arr <= d) & (d < r_arr + h) & warned[s].astype(bool))[0]
        if covering.size:
            lead.append(int(d - r_arr[covering[0]]))
    out[f"median_lead_{h}"] = float(np.median(lead)) if lead else float("nan")
    out[f"warned_{h}"] = float(said.sum())
    return out


def calibration(warnings: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Reliability of the warnings' chances (Murphy & Winkler 1977): per method, horizon and
    bin of probability (`bins` equal widths; `low` its lower edge, 1.0 in the top bin), the
    reviews x series in it, their mean probability and the share with a stock-out unless
    acted. Calibrated where the two agree. In: backtest_warnings rows."""
    low = (pl.col("probability") * bins).floor().clip(upper_bound=bins - 1) / bins
    return (
        warnings.group_by("method", "horizon", low.alias("low"))
        .agg(
            reviews=pl.len(),
            mean_probability=pl.col("probability").mean(),
            stockout_share=pl.col("stockout").cast(pl.Float64).mean(),
        )
        .sort("method", "horizon", "low")
    )
