"""How good warnings could get on the data: the chances of a forecaster who knew the demand rate."""

from __future__ import annotations

import numpy as np

from shortage_radar.backtest.inventory import Ledger, stockout_share


def known_rate_chances(
    led: Ledger,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    h: int,
    history: np.ndarray,
    *,
    backorders: bool,
    paths: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Per oracle, [s, reviews] its chance of a stock-out within h periods unless acted, on
    the stock a replay (`led`) left at each review: the share of `paths` Poisson demand paths
    (stockout_share) of a rate it knew.

    window: the rate of each review's window, its demand that came over its periods (a
    forecaster exact about the mean, left with the count's own noise); history: one rate per
    series over all of `history` [s, periods] (the real demand, before the replay and
    during it), as if demand were stationary and its rate known. Neither can be had in
    practice; the precision and recall they reach (balanced()) show how much of a method's
    misses are the noise of counts, and how much the rate moving, rather than its forecast.
    Poisson, so lumpy demand (orders of many units) is noisier than either assumes.
    """
    n, periods = led.demand.shape
    rng = np.random.default_rng(seed)
    whole_rate = np.asarray(history, dtype=float).mean(axis=1)

    def window(_j: int, r: int) -> np.ndarray:
        came = led.demand[:, r : r + h]
        rate = came.mean(axis=1) if came.shape[1] else np.zeros(n)
        return rng.poisson(rate[:, None, None], size=(n, came.shape[1], paths)).astype(float)

    def stationary(_j: int, r: int) -> np.ndarray:
        span = min(h, periods - r)
        return rng.poisson(whole_rate[:, None, None], size=(n, span, paths)).astype(float)

    return {
        name: stockout_share(led, start_on_hand, start_due, reviews, draw, backorders=backorders)
        for name, draw in (("window", window), ("history", stationary))
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
