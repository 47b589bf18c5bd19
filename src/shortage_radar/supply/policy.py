"""Reorder points and order-up-to levels read off sample paths of demand over the lead time."""

from __future__ import annotations

import numba as nb
import numpy as np


def demand_over(paths: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Demand of each path summed over its first days[..., s, p] days (0 days: 0; capped at
    the h days of the paths), shape days.shape, from demand paths [s, p, h].

    The lead-time demand with lead-time uncertainty: each path has its own lead time, drawn
    from the supplier's history, so the spread of the sum carries both uncertainties (the
    bootstrap of Willemain, Smart & Schwarz 2004, IJF 20, with lead times resampled too).
    """
    want = np.asarray(days, dtype=np.int64)
    stacked = want.reshape(-1, *paths.shape[:2])
    out = np.zeros(stacked.shape)
    _sums(np.asarray(paths, dtype=np.float64), np.clip(stacked, 0, paths.shape[2]), out)
    return out.reshape(want.shape)


@nb.njit(parallel=True, cache=True)
def _sums(paths: np.ndarray, days: np.ndarray, out: np.ndarray) -> None:
    """out[r, s, p] = sum of paths[s, p, :days[r, s, p]], one running sum per path: a longer
    span carries on from the shorter one before it (the same additions in the same order)."""
    n, n_paths, _ = paths.shape
    for i in nb.prange(n):
        for j in range(n_paths):
            total = 0.0
            t = 0
            for r in range(days.shape[0]):
                if days[r, i, j] < t:
                    total = 0.0
                    t = 0
                while t < days[r, i, j]:
                    total += paths[i, j, t]
                    t += 1
                out[r, i, j] = total


def levels(
    paths: np.ndarray,
    lead_days: np.ndarray,
    review_days: int,
    service: np.ndarray,
    measure: str = "cycle",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series (reorder point, order-up-to level, mean demand over lead time + review).

    A periodic-review (R, s, S) policy (Silver, Pyke & Thomas 2017, 6.7): an order placed at
    a review arrives after the lead time L, and the next chance to order is R later, so
    stock must cover demand over L + R, the protection interval. The reorder point s is the
    `service` quantile of demand over L + R, from the demand paths [s, p, h] with each
    path's own lead time (not from z * sigma * sqrt(L), which assumes normal demand and fails
    for slow movers); the order-up-to level S is s plus the mean demand of one review period,
    so that an order covers about a period's demand. `measure` says what `service` is:
    `cycle`, the cycle service level (the chance a replenishment cycle ends without a
    stock-out); `fill_rate`, the share of demand served from stock (fill_rate_point).
    """
    over_l, over_lr = demand_over(paths, np.stack([lead_days, lead_days + review_days]))
    target = np.clip(service, 0.0, 1.0)
    if measure == "fill_rate":
        rop = fill_rate_point(over_l, over_lr, target)
    else:
        rop = _row_quantile(over_lr, target[:, None])
    per_review = np.maximum(over_lr.mean(axis=1) - over_l.mean(axis=1), 0.0)
    return rop, rop + per_review, over_lr.mean(axis=1)


def fill_rate_point(over_l: np.ndarray, over_lr: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """Per series the lowest level S (one of its paths' demands over L + R; 0 when no demand
    is expected) whose expected fill rate reaches fill[s], from demand over the lead time
    [s, p] and over lead time plus review [s, p] on the same paths.

    The fill rate (P2, beta service) of a periodic review with level S is 1 - ESC / E[D_R]:
    the expected units short in a cycle, ESC = E[(D_{L+R} - S)+] - E[(D_L - S)+], over the
    mean demand of a review period (Silver, Pyke & Thomas 2017, 6.7.4, there with normal
    loss functions; here the expectations are the paths' means, so any demand shape and the
    lead-time spread are in them). ESC falls as S rises, so the lowest S is found by bisection.
    """
    out = np.zeros(over_lr.shape[0])
    _fill_points(
        np.asarray(over_l, dtype=np.float64), np.sort(over_lr, axis=1), np.asarray(fill), out
    )
    return out


@nb.njit(cache=True)
def _fill_points(over_l: np.ndarray, lr: np.ndarray, fill: np.ndarray, out: np.ndarray) -> None:
    n, p = lr.shape
    for i in range(n):
        per_review = (lr[i].sum() - over_l[i].sum()) / p
        if per_review <= 0.0:
            continue  # no demand expected in a cycle: nothing to protect (S = 0)
        allowed = (1.0 - fill[i]) * per_review
        # the lowest path sum that is enough; the highest always is (no path short)
        lo, hi = -1, p - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            level = lr[i, mid]
            short = 0.0
            for j in range(p):
                short += max(lr[i, j] - level, 0.0) - max(over_l[i, j] - level, 0.0)
            if short / p <= allowed:
                hi = mid
            else:
                lo = mid
        out[i] = lr[i, hi]


def _row_quantile(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per row the q[row] quantile (the smallest value with at least that share at or below)."""
    s = np.sort(values, axis=1)
    n = values.shape[1]
    # less a hair: 0.55 * 100 is 55.000000000000007 in floating point, not rank 56
    k = np.clip(np.ceil(q[:, 0] * n - 1e-9).astype(np.int64) - 1, 0, n - 1)
    out: np.ndarray = s[np.arange(values.shape[0]), k]
    return out


def order_quantity(need: np.ndarray, moq: np.ndarray, pack: np.ndarray) -> np.ndarray:
    """Units to order for a need: at least the MOQ, rounded up to whole packs (0 for no need).

    need 23, MOQ 30, pack 12 -> 36 (30 rounded up to packs of 12).
    """
    pack = np.where(pack > 0, pack, 1.0)
    qty = np.maximum(need, moq)
    qty = np.ceil(np.round(qty / pack, 9)) * pack
    return np.where(need > 0, qty, 0.0)


def economic_order_quantity(
    yearly_demand: np.ndarray, order_cost: float, holding_rate: float, unit_value: np.ndarray
) -> np.ndarray:
    """Harris (1913) EOQ, sqrt(2 D K / (h c)); 0 where a cost or the value is missing."""
    holding = holding_rate * np.nan_to_num(unit_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        eoq = np.sqrt(2 * yearly_demand * order_cost / holding)
    return np.where((holding > 0) & (order_cost > 0), np.nan_to_num(eoq), 0.0)
