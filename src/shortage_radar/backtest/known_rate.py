"""Warnings of a Poisson at a known rate: how good they could get on the data, and a plain one."""

from __future__ import annotations

import numpy as np

from shortage_radar.backtest.inventory import Ledger, Window, stockout_share


def known_rate_chances(
    led: Ledger,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    h: int,
    history: np.ndarray,
    start: int,
    year: int,
    *,
    backorders: bool,
    paths: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Per rate, [s, reviews] the chance of a stock-out within h periods unless acted of
    Poisson demand at that rate, on the stock a replay (`led`) left at each review: the share
    of `paths` demand paths on which one comes (stockout_share).

    Two oracles, which no forecaster can be: window, each review's window at the mean of what
    it then sold (nearly its outcome); history, each series at its mean over all of
    `history` [s, periods] (the real demand, the replay's period 0 at column `start`), as if
    demand were stationary and its long-run rate known: what it misses (balanced()) is the
    noise of counts, which no forecast takes away, and the rate moving, which only a forecast
    that follows it can. And two plain forecasters: to_date, each series at its mean over the
    periods before the review; last_year, at its mean over the `year` periods before it (a
    moving rate followed). All four know when the open orders really arrive (the replay's
    draws), which a forecaster does not. Poisson, so lumpy demand (orders of many units) is
    noisier than they assume.
    """
    n, periods = led.demand.shape
    rng = np.random.default_rng(seed)
    past = np.asarray(history, dtype=float)

    def poisson(seen: np.ndarray, r: int) -> np.ndarray:
        """Paths over review r's window at the mean per period of `seen` [s, periods]."""
        rate = seen.mean(axis=1) if seen.shape[1] else np.zeros(n)
        span = min(h, periods - r)
        return rng.poisson(rate[:, None, None], size=(n, span, paths)).astype(float)

    rates: dict[str, Window] = {
        "window": lambda _j, r: poisson(led.demand[:, r : r + h], r),
        "history": lambda _j, r: poisson(past, r),
        "to_date": lambda _j, r: poisson(past[:, : start + r], r),
        "last_year": lambda _j, r: poisson(past[:, max(0, start + r - year) : start + r], r),
    }
    return {
        name: stockout_share(led, start_on_hand, start_due, reviews, draw, backorders=backorders)
        for name, draw in rates.items()
    }


def balanced(chance: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """The threshold of `chance` at which min(precision, recall) against `truth` is highest,
    with that precision and recall: both can reach a goal g at one threshold exactly when
    the min there is at least g. (nan, nan, nan) without a positive in truth."""
    c = np.asarray(chance, dtype=float).ravel()
    y = np.asarray(truth, dtype=bool).ravel()
    if not y.any():
        return float("nan"), float("nan"), float("nan")
    order = np.argsort(-c, kind="stable")
    c, y = c[order], y[order]
    # a threshold warns every chance at or above it: cut only where the chance changes
    last = np.r_[c[1:] != c[:-1], True] & (c > 0)
    if not last.any():
        return float("nan"), 0.0, 0.0
    tp = np.cumsum(y)[last]
    warned = np.nonzero(last)[0] + 1
    precision, recall = tp / warned, tp / y.sum()
    best = int(np.argmax(np.minimum(precision, recall)))
    return float(c[last][best]), float(precision[best]), float(recall[best])


def held_out(chance: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """The balanced threshold chosen on the earlier half of the reviews (columns of [s, r];
    the middle one with the earlier half when odd) and the precision and recall it gets on
    the later half: whether a threshold picked on past reviews carries to new ones, so the
    balanced score is not only one fitted to the rows it scores. (nan, nan, nan) when either
    half has no positive."""
    c, y = np.asarray(chance, dtype=float), np.asarray(truth, dtype=bool)
    half = (c.shape[1] + 1) // 2
    cut, _, _ = balanced(c[:, :half], y[:, :half])
    later, real = c[:, half:] >= cut, y[:, half:]
    if np.isnan(cut) or not real.any():
        return float("nan"), float("nan"), float("nan")
    tp = int((later & real).sum())
    precision = tp / int(later.sum()) if later.any() else float("nan")
    return cut, precision, tp / int(real.sum())
