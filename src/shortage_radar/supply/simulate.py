"""One pass over sample paths for all series: projection, risk, reorder levels and ship days."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from shortage_radar.forecast.draws import poisson_gamma_paths
from shortage_radar.supply.eta import ship_days
from shortage_radar.supply.policy import levels
from shortage_radar.supply.projection import project

# Cells of one chunk (series x paths x days): the chunk adapts so 10,000 series never sit in
# memory at once (about 200 MB per float64 array of a chunk).
CHUNK_CELLS = 3_000_000


# Quantiles of on-hand stock per day published as the projection's band (low, median, high),
# read off this many paths (see projection.project for why not all of them).
BAND = (0.1, 0.5, 0.9)
BAND_PATHS = 250


@dataclass
class Inputs:
    """Everything the paths need, as arrays over series s, paths p, days t, lines l, orders o."""

    mean: np.ndarray  # [s, t] forecast demand per day, t covering at least `days`
    shock_var: np.ndarray  # [s]
    level_var: np.ndarray  # [s]
    on_hand: np.ndarray  # [s]
    past_due: np.ndarray  # [s] customer orders already late
    booked: np.ndarray  # [s, days] open customer orders by requested day
    line_series: np.ndarray  # [l] series of each open PO line (-1: not projected)
    line_qty: np.ndarray  # [l]
    arrive: np.ndarray  # [l, p] arrival day of each line on each path
    lead: np.ndarray  # [k, s, p] days until an order placed today arrives, k = supplier choice
    service: np.ndarray  # [s] target service level, of the kind `measure` says
    review_days: int
    measure: str  # what `service` is a target of: "cycle" or "fill_rate" (policy.levels)
    order_series: np.ndarray  # [o] series of each open customer order line
    order_need: np.ndarray  # [o] cumulative units of its series' lines up to it
    order_day: np.ndarray  # [o] requested day (negative: past due)
    days: int  # days projected and published
    # [s] chance each series sells within the projection (forecast/alive.py; NaN: none
    # given): the projection's share of paths with demand follows it (_selling), while the
    # reorder levels read all paths as drawn (None: NaN for all)
    sell_chance: np.ndarray | None = None
    # quantiles of on-hand stock per day to publish (on_hand_q10/q50/q90); () skips the
    # partition behind them (NaN published), for runs that read no band: a replay's
    band: tuple[float, ...] = BAND


@dataclass
class Outcome:
    """Per-day and per-series figures read off the paths."""

    expected_on_hand: np.ndarray  # [s, days]
    on_hand_q10: np.ndarray  # [s, days] the BAND quantiles over paths of on-hand stock
    on_hand_q50: np.ndarray  # [s, days]
    on_hand_q90: np.ndarray  # [s, days]
    stockout_probability: np.ndarray  # [s, days]
    shortage_probability: np.ndarray  # [s, days]
    shortage_by: np.ndarray  # [s, days]
    expected_inbound: np.ndarray  # [s, days]
    risk: np.ndarray  # [s] probability of unserved demand before replenishment
    units_short: np.ndarray  # [s] expected units owed when replenishment arrives
    first_stockout: np.ndarray  # [s] median first day out among paths that run out (NaN: none)
    reorder_point: np.ndarray  # [k, s]
    order_up_to: np.ndarray  # [k, s]
    lead_demand: np.ndarray  # [k, s] mean demand over the lead time
    ship: np.ndarray  # [o, p] ship day of each customer order line


class PathMemo:
    """Demand paths drawn, by what they were drawn from, for runs that draw the same ones
    again: the replays of one day at other stock (backtest.run) have the same forecasts and
    seed, so the same paths. Up to `limit` bytes are kept, the oldest dropped first; the
    paths handed out are read-only, so that no caller changes another's."""

    def __init__(self, limit: int = 1 << 30) -> None:
        self.limit = limit
        self.kept: dict[tuple[object, ...], np.ndarray] = {}
        self.size = 0  # bytes kept
        self.day: object = None

    def only(self, day: object) -> None:
        """Keep only the paths of `day` from now on: replays in lockstep draw all of one
        review's before the next review's, so older ones would only hold memory."""
        if day != self.day:
            self.kept.clear()
            self.size, self.day = 0, day

    def paths(
        self,
        mean: np.ndarray,
        shock_var: np.ndarray,
        level_var: np.ndarray,
        n_paths: int,
        seed: int,
        first: int,
    ) -> np.ndarray:
        """poisson_gamma_paths(mean, shock_var, level_var, n_paths, seed, first), drawn once."""
        inputs = (np.ascontiguousarray(a, dtype=np.float64) for a in (mean, shock_var, level_var))
        digest = hashlib.blake2b(b"".join(a.tobytes() for a in inputs)).digest()
        key = (digest, np.shape(mean), n_paths, seed, first)
        if key in self.kept:
            return self.kept[key]
        drawn = poisson_gamma_paths(mean, shock_var, level_var, n_paths, seed, first)
        drawn.flags.writeable = False
        self.kept[key] = drawn
        self.size += drawn.nbytes
        while self.size > self.limit and len(self.kept) > 1:
            self.size -= self.kept.pop(next(iter(self.kept))).nbytes
        return drawn


def simulate(
    x: Inputs, n_paths: int, rng: np.random.Generator, memo: PathMemo | None = None
) -> Outcome:
    """Draw demand paths chunk by chunk and read every figure off the same paths.

    The paths run past `days` where lead time plus review period is longer, so reorder
    levels see the whole lead-time demand; the published projection stops at `days`.
    """
    n, k = x.mean.shape[0], x.lead.shape[0]
    span = x.mean.shape[1]
    days = x.days
    chunk = max(1, CHUNK_CELLS // (n_paths * span))
    parts: dict[str, list[np.ndarray]] = {}
    # one seed for all chunks: a series' paths do not depend on how the series were chunked
    seed = int(rng.integers(2**63))
    ship = np.zeros((len(x.order_series), n_paths), dtype=np.int64)
    draw = poisson_gamma_paths if memo is None else memo.paths
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        demand = draw(x.mean[lo:hi], x.shock_var[lo:hi], x.level_var[lo:hi], n_paths, seed, lo)
        arrivals = _arrivals(x, lo, hi, n_paths)
        p = project(
            x.on_hand[lo:hi],
            demand
            if x.sell_chance is None
            else _selling(demand, x.sell_chance[lo:hi], x.mean[lo:hi], days, seed, lo),
            x.booked[lo:hi],
            x.past_due[lo:hi],
            arrivals,
            x.lead[0, lo:hi],
            x.band,
            BAND_PATHS,
        )
        band = p.on_hand_band if x.band else np.full((len(BAND), hi - lo, days), np.nan)
        lv = [
            levels(demand, x.lead[j, lo:hi], x.review_days, x.service[lo:hi], x.measure)
            for j in range(k)
        ]
        for name, value in (
            ("expected_on_hand", p.expected_on_hand),
            ("on_hand_q10", band[0]),
            ("on_hand_q50", band[1]),
            ("on_hand_q90", band[2]),
            ("stockout_probability", p.stockout_probability),
            ("shortage_probability", p.shortage_probability),
            ("shortage_by", p.shortage_by),
            ("expected_inbound", p.expected_inbound),
            ("risk", p.risk),
            ("units_short", p.units_short),
            ("first_stockout", _median_first(p.first_stockout, days)),
            ("reorder_point", np.stack([v[0] for v in lv])),
            ("order_up_to", np.stack([v[1] for v in lv])),
            ("lead_demand", np.stack([v[2] for v in lv])),
        ):
            parts.setdefault(name, []).append(value)
        orders = np.nonzero((x.order_series >= lo) & (x.order_series < hi))[0]
        if orders.size:
            # supply to booked orders: on hand plus arrivals so far, for their series only
            rows, series = np.unique(x.order_series[orders] - lo, return_inverse=True)
            supply = x.on_hand[lo + rows, None, None] + np.cumsum(arrivals[rows, :, :days], axis=2)
            ship[orders] = ship_days(supply, series, x.order_need[orders], x.order_day[orders])
    joined = {
        name: np.concatenate(parts[name], axis=1 if name in _PER_CHOICE else 0)
        if name in parts
        else _empty(name, k, days)
        for name in Outcome.__dataclass_fields__
        if name != "ship"
    }
    return Outcome(**joined, ship=ship)


def _selling(
    demand: np.ndarray, chance: np.ndarray, mean: np.ndarray, days: int, seed: int, first: int
) -> np.ndarray:
    """`demand` [s, p, t] with the share of paths that have demand in the first `days` days
    scaled, for each series with a chance to sell in them (NaN: as drawn), by f = chance /
    (1 - exp(-its forecast demand over those days)): the chance against what a Poisson at the
    forecast's mean gives. Relative, so the paths keep their own spread (negative binomial)
    and a chance that says what the forecast says changes nothing. f < 1: a share 1 - f of
    the paths with demand in those days, and of those without, is emptied over all days (a
    part that stopped selling sells no more, also past the projection); f > 1: paths without
    take copies of paths with, until f times as many have demand or all do. A series no path
    of which has demand stays without. `demand` itself when no series has a chance.

    Each series picks from its own stream (seed, first + s), as the demand paths do, so the
    paths do not depend on the chunking."""
    given = np.nonzero(np.isfinite(chance))[0]
    if given.size == 0:
        return demand
    out = demand.copy()
    p_any = -np.expm1(-mean[given, :days].sum(axis=1))
    sells = demand[given, :, :days].sum(axis=2) > 0
    for j, i in enumerate(given):
        if p_any[j] <= 0:
            continue
        f = float(chance[i]) / p_any[j]
        rng = np.random.default_rng([seed, first + int(i)])
        yes, no = np.nonzero(sells[j])[0], np.nonzero(~sells[j])[0]
        if f <= 1:
            for group in (yes, no):
                out[i, rng.choice(group, round((1 - f) * group.size), replace=False)] = 0.0
        elif yes.size:
            fill = rng.choice(no, min(no.size, round((f - 1) * yes.size)), replace=False)
            out[i, fill] = demand[i, rng.choice(yes, fill.size)]
    return out


def _arrivals(x: Inputs, lo: int, hi: int, n_paths: int) -> np.ndarray:
    """[series lo..hi, path, day] units of open PO lines arriving within the paths' span."""
    span = x.mean.shape[1]
    shape = (hi - lo, n_paths, span)
    mine = np.nonzero((x.line_series >= lo) & (x.line_series < hi))[0]
    if mine.size == 0:
        return np.zeros(shape)
    day = x.arrive[mine]
    cell = ((x.line_series[mine] - lo)[:, None] * n_paths + np.arange(n_paths)) * span + day
    ok = day < span
    qty = np.broadcast_to(x.line_qty[mine][:, None], day.shape)
    return np.bincount(cell[ok], weights=qty[ok], minlength=np.prod(shape)).reshape(shape)


def _median_first(first: np.ndarray, days: int) -> np.ndarray:
    """Per series the median first stock-out day of the paths that run out; NaN if none does."""
    runs_out = np.where(first < days, first, np.nan)
    out = np.full(first.shape[0], np.nan)
    some = ~np.isnan(runs_out).all(axis=1)
    out[some] = np.nanmedian(runs_out[some], axis=1)
    return out


_PER_DAY = (
    "expected_on_hand",
    "on_hand_q10",
    "on_hand_q50",
    "on_hand_q90",
    "stockout_probability",
    "shortage_probability",
    "shortage_by",
    "expected_inbound",
)
_PER_CHOICE = ("reorder_point", "order_up_to", "lead_demand")


def _empty(name: str, k: int, days: int) -> np.ndarray:
    if name in _PER_DAY:
        return np.zeros((0, days))
    return np.zeros((k, 0)) if name in _PER_CHOICE else np.zeros(0)
