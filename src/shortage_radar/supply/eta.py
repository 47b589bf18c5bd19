"""Ship dates for open customer order lines: stock and inbound allocated by requested date."""

from __future__ import annotations

import numpy as np


def ship_days(
    supply: np.ndarray, series: np.ndarray, need: np.ndarray, requested: np.ndarray
) -> np.ndarray:
    """[lines, paths] the day each order line can ship complete on each path (h: not within the
    horizon).

    In: supply [s, p, h], cumulative units available to booked orders by the end of day t (on
    hand plus arrivals so far); per line its series, `need` (cumulative units of its series'
    lines up to and including it, in allocation order) and its requested day (negative:
    past due). The allocation rule: a series' open lines are served in order of requested
    date, then order date, then order id, from stock on hand first and then from arrivals in
    the order they come; a line ships complete, on the first day supply covers it and not
    before its requested date (past-due lines as soon as possible, from day 0). Booked orders
    come before forecast demand: they are promises already made.
    """
    h = supply.shape[2]
    out = np.empty((len(need), supply.shape[1]), dtype=np.int64)
    for start in range(0, len(need), 256):  # lines in blocks: [block, paths, days] booleans
        sl = slice(start, start + 256)
        covered = supply[series[sl]] >= need[sl, None, None]
        first = np.where(covered.any(axis=2), covered.argmax(axis=2), h)
        out[sl] = np.maximum(first, np.clip(requested[sl], 0, None)[:, None])
    return out


def status(p50: np.ndarray, p90: np.ndarray, requested: np.ndarray) -> np.ndarray:
    """`late` when the median ship day is after the requested day (past-due lines always are),
    `at_risk` when only the 90th percentile is, `on_time` otherwise."""
    late = (p50 > requested) | (requested < 0)
    return np.where(late, "late", np.where(p90 > requested, "at_risk", "on_time"))
