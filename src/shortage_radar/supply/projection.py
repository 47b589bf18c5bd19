"""Stock projected day by day over sample paths of demand and of supply arrivals."""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np


@dataclass
class Projection:
    """What the paths of stock say, per series (s), day (t, 0 = the as-of day) and path (p).

    Stock at the end of day t is negative for demand owed (backorders); it is walked path by
    path in project() and only these summaries are kept.
    """

    expected_on_hand: np.ndarray  # [s, t] mean over paths of the stock on the shelf
    stockout_probability: np.ndarray  # [s, t] share of paths with nothing left
    shortage_probability: np.ndarray  # [s, t] share of paths owing demand (stock below 0)
    shortage_by: np.ndarray  # [s, t] share of paths that owed demand on some day up to t
    expected_inbound: np.ndarray  # [s, t] mean units arriving on day t
    first_stockout: np.ndarray  # [s, p] first day with nothing left, t's length if never
    # Given per path the day replenishment ordered today would arrive (`replenish`):
    risk: np.ndarray  # [s] probability that some demand goes unserved before it (stock
    # below zero: the complement of the cycle service level)
    units_short: np.ndarray  # [s] expected units owed when it arrives (0 when stock lasts)
    on_hand_band: np.ndarray  # [q, s, t] quantiles `band` of the stock on the shelf


def project(
    on_hand: np.ndarray,
    demand: np.ndarray,
    booked: np.ndarray,
    past_due: np.ndarray,
    arrivals: np.ndarray,
    replenish: np.ndarray,
    band: tuple[float, ...] = (),
    band_paths: int = 250,
) -> Projection:
    """Project stock: on hand, plus arrivals, minus what goes out each day.

    In (s series, p paths, h days published, H >= h days walked): on_hand [s]; demand
    [s, p, H] sample paths of forecast demand; booked [s, h] open customer orders by
    requested day; past_due [s] customer orders already late, which go out first, on day 0;
    arrivals [s, p, H] units arriving; replenish [s, p] the day an order placed today would
    arrive on each path. The per-day figures cover h days; the risk and units short before
    replenishment walk on to it when it comes later (up to H). Booked orders consume the
    forecast (a day's outflow is the larger of the two), so an order that is part of the
    forecast demand is not counted twice: forecast consumption as in SAP APO and Oracle ASCP,
    with a window of one day.

    The band quantiles come from the first `band_paths` paths. Paths are independent draws,
    so those are a random subsample: from 250 a 10% quantile is the 8% to 12% quantile of
    all (one standard error), at a quarter of the cost of partitioning 1,000. Nearest rank
    (the value at rank round(q * (paths - 1))), so each figure is a stock some path had.
    """
    n, n_paths = arrivals.shape[:2]
    h = booked.shape[1]
    on_shelf = np.zeros((n, h))
    out = np.zeros((n, h))
    owing = np.zeros((n, h))
    owing_first = np.zeros((n, h))
    inbound = np.zeros((n, h))
    first = np.empty((n, n_paths), dtype=np.int64)
    short = np.empty((n, n_paths), dtype=np.bool_)
    owed = np.zeros((n, n_paths))
    kept = min(band_paths, n_paths) if band else 0
    shelf = np.empty((n, h, kept))  # paths last: the band's partition runs along memory
    _walk(
        np.asarray(on_hand, dtype=np.float64) - past_due,
        np.asarray(demand, dtype=np.float64),
        np.asarray(booked, dtype=np.float64),
        np.asarray(arrivals, dtype=np.float64),
        np.asarray(replenish, dtype=np.int64),
        on_shelf,
        out,
        owing,
        owing_first,
        inbound,
        first,
        short,
        owed,
        shelf,
    )
    ranks = [round(q * (kept - 1)) for q in band]
    return Projection(
        expected_on_hand=on_shelf / n_paths,
        stockout_probability=out / n_paths,
        shortage_probability=owing / n_paths,
        shortage_by=np.cumsum(owing_first, axis=1) / n_paths,
        expected_inbound=inbound / n_paths,
        first_stockout=first,
        risk=short.mean(axis=1),
        units_short=owed.mean(axis=1),
        on_hand_band=np.partition(shelf, ranks, axis=2)[:, :, ranks].transpose(2, 0, 1)
        if ranks
        else np.zeros((0, n, h)),
    )


@nb.njit(parallel=True, cache=True)
def _walk(
    start: np.ndarray,
    demand: np.ndarray,
    booked: np.ndarray,
    arrivals: np.ndarray,
    replenish: np.ndarray,
    on_shelf: np.ndarray,
    out: np.ndarray,
    owing: np.ndarray,
    owing_first: np.ndarray,
    inbound: np.ndarray,
    first: np.ndarray,
    short: np.ndarray,
    owed: np.ndarray,
    shelf: np.ndarray,
) -> None:
    """One pass per path, summaries summed in place: the stock of every path and day is
    never stored (numpy's version wrote and re-read it a dozen times, most of the step),
    except on the first shelf.shape[2] paths, for the band."""
    n, n_paths, walked = arrivals.shape
    h = booked.shape[1]
    for i in nb.prange(n):
        for j in range(n_paths):
            until = min(max(replenish[i, j], 0), walked)
            last = min(max(replenish[i, j], 1), walked) - 1
            net = start[i]
            first_out = h
            first_short = walked
            for t in range(max(h, until)):
                if t >= h:  # past the published days: only the risk before replenishment
                    net += arrivals[i, j, t] - demand[i, j, t]
                    if net < 0.0:
                        first_short = min(first_short, t)
                    if t == last:
                        owed[i, j] = max(-net, 0.0)
                    continue
                net += arrivals[i, j, t] - max(demand[i, j, t], booked[i, t])
                inbound[i, t] += arrivals[i, j, t]
                if net > 0.0:
                    on_shelf[i, t] += net
                else:
                    out[i, t] += 1.0
                    first_out = min(first_out, t)
                    if net < 0.0:
                        owing[i, t] += 1.0
                        first_short = min(first_short, t)
                if t == last and replenish[i, j] > 0:  # arriving today: nothing owed yet
                    owed[i, j] = max(-net, 0.0)
                if j < shelf.shape[2]:
                    shelf[i, t, j] = max(net, 0.0)
            first[i, j] = first_out
            short[i, j] = first_short < until
            if first_short < h:
                owing_first[i, first_short] += 1.0
