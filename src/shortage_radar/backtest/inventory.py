"""Inventory replayed period by period with the demand that really happened."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np


@dataclass
class Ledger:
    """What happened per sku (s) and period (t) of a replay; units throughout."""

    demand: np.ndarray  # [s, t] asked for in the period
    short: np.ndarray  # [s, t] of that, not served from stock in the period
    on_hand: np.ndarray  # [s, t] on the shelf at the end of the period
    backlog: np.ndarray  # [s, t] owed at the end of the period (0 when sales are lost)
    arrived: np.ndarray  # [s, t] received at the start of the period
    ordered: np.ndarray  # [s, t] ordered at the start of the period (after its review)
    placed: list[tuple[int, int, float, int]] = field(default_factory=list)  # as Stock.placed

    def out_of_stock(self) -> np.ndarray:
        """[s, t] whether demand was left unserved at the end of the period: its own (short)
        or owed from before (backlog), for a customer still waiting is a stock-out too."""
        return (self.short > 0) | (self.backlog > 0)


@dataclass
class Stock:
    """The state a policy sees at a review: per sku on hand, owed and what is on order."""

    on_hand: np.ndarray  # [s]
    backlog: np.ndarray  # [s]
    due: np.ndarray  # [s, t] units that will arrive at the start of period t
    placed: list[tuple[int, int, float, int]]  # (period, sku, units, arrival period) per order

    def position(self, t: int) -> np.ndarray:
        """[s] inventory position at the start of period t: on hand + on order - owed."""
        return self.on_hand + self.due[:, t:].sum(axis=1) - self.backlog  # type: ignore[no-any-return]


# A policy: at review period t, with the stock as it stands, per sku the units to order and
# the periods until they arrive.
Policy = Callable[[int, Stock], tuple[np.ndarray, np.ndarray]]


K = TypeVar("K", bound=Hashable)


def replay(
    demand: np.ndarray,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    policy: Policy,
    *,
    backorders: bool,
) -> Ledger:
    """Run a policy over the periods of `demand` [s, t], reviewing at the `reviews` periods.

    Each period: the review (if any) places orders (lead 0 arrives at once), arrivals are
    received, owed units go out first (backorder mode), then the period's demand is served
    from what is on the shelf; what cannot be served is owed (backorders) or lost.
    start_due [s, t]: units already on order at the start, by arrival period. Without a
    starting stock (None), the policy sets it: its first review's order arrives at once.
    """
    return replays(demand, start_on_hand, start_due, reviews, {0: policy}, backorders=backorders)[0]


def replays(
    demand: np.ndarray,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    policies: dict[K, Policy],
    *,
    backorders: bool,
) -> dict[K, Ledger]:
    """replay() of each of `policies` on the same demand, in lockstep: period by period, each
    in turn in the dict's order, so that what they share at a review (the day's forecasts and
    demand paths, pipeline.ours) is worked out by the first and found by the others."""
    n, periods = demand.shape
    runs = {k: _Run(demand, start_on_hand, start_due) for k in policies}
    at_review = set(reviews)
    for t in range(periods):
        for k, policy in policies.items():
            run = runs[k]
            if t in at_review:
                qty, lead = policy(t, run.stock)
                first = start_on_hand is None and t == reviews[0]
                run.order(t, qty, np.zeros(n, dtype=np.int64) if first else lead)
            run.serve(t, backorders)
    return {k: run.ledger for k, run in runs.items()}


class _Run:
    """One policy's stock and ledger as a replay goes."""

    def __init__(
        self, demand: np.ndarray, start_on_hand: np.ndarray | None, start_due: np.ndarray
    ) -> None:
        n, periods = demand.shape
        on_hand = np.zeros(n) if start_on_hand is None else np.asarray(start_on_hand, float)
        self.stock = Stock(
            on_hand=on_hand.copy(), backlog=np.zeros(n), due=np.zeros((n, periods + 1)), placed=[]
        )
        self.stock.due[:, :periods] += start_due
        d, sh, oh, bl, ar, od = (np.zeros((n, periods)) for _ in range(6))
        self.ledger = Ledger(d, sh, oh, bl, ar, od, self.stock.placed)
        self.ledger.demand[:] = demand

    def order(self, t: int, qty: np.ndarray, lead: np.ndarray) -> None:
        """Place the review's orders: qty units arriving lead periods on (at most at the end)."""
        stock, periods = self.stock, self.ledger.demand.shape[1]
        qty = np.maximum(np.asarray(qty, dtype=float), 0.0)
        when = np.minimum(t + np.maximum(np.asarray(lead, dtype=np.int64), 0), periods)
        np.add.at(stock.due, (np.arange(qty.size), when), qty)
        stock.placed.extend(
            (t, int(i), float(qty[i]), int(when[i])) for i in np.nonzero(qty > 0)[0]
        )
        self.ledger.ordered[:, t] = qty

    def serve(self, t: int, backorders: bool) -> None:
        """Receive period t's arrivals, clear what is owed, serve its demand."""
        stock, led = self.stock, self.ledger
        led.arrived[:, t] = stock.due[:, t]
        stock.on_hand += stock.due[:, t]
        cleared = np.minimum(stock.backlog, stock.on_hand)
        stock.backlog -= cleared
        stock.on_hand -= cleared
        served = np.minimum(led.demand[:, t], stock.on_hand)
        stock.on_hand -= served
        led.short[:, t] = led.demand[:, t] - served
        if backorders:
            stock.backlog += led.short[:, t]
        led.on_hand[:, t] = stock.on_hand
        led.backlog[:, t] = stock.backlog


def unless_acted(
    led: Ledger,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    h: int,
    *,
    backorders: bool,
) -> np.ndarray:
    """[s, reviews] whether demand would have been left unserved (Ledger.out_of_stock) within
    the h periods from each review had nothing more been ordered from that review on: the
    stock and backlog as the review found them, the orders placed before it arriving when
    they did, the demand that came, served by the rules of replay(). The claim a shortage
    warning makes ("you will run out unless you act"), which the policy's own order then may
    avert.
    """

    def came(_j: int, r: int) -> np.ndarray:  # one path: the demand that came
        return led.demand[:, r : r + h, None]

    return stockout_share(led, start_on_hand, start_due, reviews, came, backorders=backorders) > 0


# Per scored review (its index j and period r): the demand [s, periods, paths] of its window.
Window = Callable[[int, int], np.ndarray]


def stockout_share(
    led: Ledger,
    start_on_hand: np.ndarray | None,
    start_due: np.ndarray,
    reviews: list[int],
    window: Window,
    *,
    backorders: bool,
) -> np.ndarray:
    """[s, reviews] the share of demand paths in each review's `window` on which demand would
    have been left unserved had nothing more been ordered from that review on, as in
    unless_acted (whose one path is the demand that came)."""
    n, periods = led.demand.shape
    due = np.zeros((n, periods + 1))
    due[:, :periods] += start_due
    placed = sorted(led.placed)
    k = 0
    out = np.zeros((n, len(reviews)))
    for j, r in enumerate(reviews):
        while k < len(placed) and placed[k][0] < r:
            _, i, units, when = placed[k]
            due[i, when] += units
            k += 1
        if r > 0:
            on_hand, backlog = led.on_hand[:, r - 1], led.backlog[:, r - 1]
        else:
            on_hand = np.zeros(n) if start_on_hand is None else np.asarray(start_on_hand, float)
            backlog = np.zeros(n)
        demand = window(j, r)
        paths = demand.shape[2]
        on_hand = np.repeat(on_hand[:, None], paths, axis=1)
        backlog = np.repeat(backlog[:, None], paths, axis=1)
        out_any = np.zeros((n, paths), dtype=bool)
        for t in range(min(demand.shape[1], periods - r)):
            on_hand += due[:, r + t, None]
            cleared = np.minimum(backlog, on_hand)
            backlog -= cleared
            on_hand -= cleared
            served = np.minimum(demand[:, t], on_hand)
            on_hand -= served
            if backorders:
                backlog += demand[:, t] - served
            out_any |= (demand[:, t] > served) | (backlog > 0)
        out[:, j] = out_any.mean(axis=1)
    return out
