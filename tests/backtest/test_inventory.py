"""The inventory replay and its scores on cases worked on paper."""

from __future__ import annotations

import numpy as np
import pytest

from shortage_radar.backtest.inventory import Stock, replay, replays, unless_acted
from shortage_radar.backtest.score import policy_scores, warning_scores


def _order_up_to(level: float, lead: int):
    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        return np.maximum(level - stock.position(t), 0.0), np.full(stock.on_hand.shape, lead)

    return policy


def _fixed(units: float, lead: int):
    def policy(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
        return np.full(stock.on_hand.shape, units), np.full(stock.on_hand.shape, lead)

    return policy


def test_one_sku_with_known_demand_and_fixed_lead_time() -> None:
    # Demand 10 a period for 12 periods, 25 on hand, reviews every 4 periods (0, 4, 8),
    # order up to 40 with a lead time of 2, backorders.
    # t0: position 25 -> order 15, arrives t2. t0: 25-10=15; t1: 5; t2: +15 -> 20-10=10;
    # t3: 0; t4: position 0 -> order 40 (arrives t6); t4: short 10 (owed 10); t5: short 10
    # (owed 20); t6: +40, 20 owed go out, 20 left - 10 = 10; t7: 0; t8: position 0 -> order
    # 40 (t10); t8, t9 short 10 each (owed 20); t10: +40 -> 20 after owed, 10 left; t11: 0.
    demand = np.full((1, 12), 10.0)
    led = replay(
        demand, np.array([25.0]), np.zeros((1, 12)), [0, 4, 8], _order_up_to(40, 2), backorders=True
    )
    assert led.ordered[0].tolist() == [15, 0, 0, 0, 40, 0, 0, 0, 40, 0, 0, 0]
    assert led.arrived[0].tolist() == [0, 0, 15, 0, 0, 0, 40, 0, 0, 0, 40, 0]
    assert led.on_hand[0].tolist() == [15, 5, 10, 0, 0, 0, 10, 0, 0, 0, 10, 0]
    assert led.short[0].tolist() == [0, 0, 0, 0, 10, 10, 0, 0, 10, 10, 0, 0]
    assert led.backlog[0].tolist() == [0, 0, 0, 0, 10, 20, 0, 0, 10, 20, 0, 0]
    got = policy_scores(led.demand, led.short, led.on_hand, led.ordered, [0, 4, 8], np.array([2.0]))
    # 40 of 120 units short: fill rate 80/120; cycles 0-3 served, 4-7 and 8-11 not: 1/3;
    # shelf stock summed 50 over 12 periods at cost 2: 100/12; three orders.
    assert got["fill_rate"] == pytest.approx(80 / 120)
    assert got["cycle_service_level"] == pytest.approx(1 / 3)
    assert got["inventory_value"] == pytest.approx(100 / 12)
    assert got["orders"] == 3 and got["units_short"] == 40


def test_replays_in_lockstep_are_the_replays_one_by_one_in_turn() -> None:
    demand = np.full((1, 12), 10.0)
    calls: list[tuple[str, int]] = []

    def logged(name: str, policy):
        def inner(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
            calls.append((name, t))
            return policy(t, stock)

        return inner

    args = (demand, np.array([25.0]), np.zeros((1, 12)), [0, 4, 8])
    both = replays(
        *args,
        {"up": logged("up", _order_up_to(40, 2)), "fixed": logged("fixed", _fixed(5, 1))},
        backorders=True,
    )
    # each review asks every policy in the dict's order before the next review comes
    assert calls == [("up", 0), ("fixed", 0), ("up", 4), ("fixed", 4), ("up", 8), ("fixed", 8)]
    for name, policy in (("up", _order_up_to(40, 2)), ("fixed", _fixed(5, 1))):
        alone = replay(*args, policy, backorders=True)
        for col in ("ordered", "arrived", "on_hand", "short", "backlog"):
            assert getattr(both[name], col).tolist() == getattr(alone, col).tolist(), (name, col)
    # the hand-worked case above, in lockstep with another
    assert both["up"].on_hand[0].tolist() == [15, 5, 10, 0, 0, 0, 10, 0, 0, 0, 10, 0]


def test_without_a_starting_stock_the_first_order_sets_it() -> None:
    # no stock: the first review orders up to 30 and it is there at once; 10 a period for 4
    # periods, next review at 2 orders 20 - (30 - 20) ... position 10 -> 20 with lead 1
    demand = np.full((1, 4), 10.0)
    led = replay(demand, None, np.zeros((1, 4)), [0, 2], _order_up_to(30, 1), backorders=True)
    assert led.arrived[0].tolist() == [30, 0, 0, 20]
    assert led.on_hand[0].tolist() == [20, 10, 0, 10]
    assert led.short[0].sum() == 0


def test_orders_already_open_at_the_start_arrive_when_due() -> None:
    due = np.array([[0.0, 0.0, 50.0]])
    led = replay(
        np.full((1, 3), 10.0), np.array([15.0]), due, [0], _order_up_to(0, 1), backorders=False
    )
    assert led.on_hand[0].tolist() == [5, 0, 40]
    assert led.short[0].tolist() == [0, 5, 0]


def test_lost_sales_are_not_owed() -> None:
    # 5 on hand, demand 10 then 10, nothing ordered: 5 short then 10 short, nothing owed
    led = replay(
        np.array([[10.0, 10.0]]),
        np.array([5.0]),
        np.zeros((1, 2)),
        [0],
        _order_up_to(0, 1),
        backorders=False,
    )
    assert led.short[0].tolist() == [5, 10]
    assert led.backlog[0].tolist() == [0, 0]


def test_a_warning_counts_only_when_the_stockout_falls_in_its_window() -> None:
    # one sku, 10 periods, a stock-out in period 6 only; reviews 0, 2, 4, 6 (h = 3: the
    # windows are 0-2, 2-4, 4-6, 6-8). Warned at 0 (false: 6 is outside 0-2), at 4 (true),
    # not at 6 (missed).
    out = np.zeros((1, 10), dtype=bool)
    out[0, 6] = True
    warned = np.array([[True, False, True, False]])
    truth = np.array([[False, False, True, True]])  # as the replay's own stock-outs say
    got = warning_scores(warned, truth, out, [0, 2, 4, 6], 3)
    assert got["precision_3"] == pytest.approx(1 / 2)
    assert got["recall_3"] == pytest.approx(1 / 2)
    assert got["realized_precision_3"] == pytest.approx(1 / 2)
    assert got["realized_recall_3"] == pytest.approx(1 / 2)
    # the stock-out at 6 was first warned by the review at 4: 2 periods ahead
    assert got["median_lead_3"] == 2


def test_windows_past_the_end_are_not_scored() -> None:
    # review 8 with h = 3 would need periods 8-10 of 10: dropped, its warning not counted
    out = np.zeros((1, 10), dtype=bool)
    got = warning_scores(np.array([[False, True]]), np.array([[False, True]]), out, [0, 8], 3)
    assert np.isnan(got["precision_3"]) and got["warned_3"] == 0


def test_unless_acted_is_the_stock_out_had_nothing_more_been_ordered() -> None:
    # 10 on hand, demand 4 a period; an order of 8 placed at review 0 arrives at period 3.
    # Unless acted at review 0 (the order of 0 counts, it is placed at 0, not before): 10 - 4
    # - 4 = 2 after period 1, period 2 short (h = 3: periods 0-2) -> True.
    # At review 2 (order placed at 0 arrives at 3): stock 2 at the start of 2, short in 2
    # -> True, although the replay itself, with the order, was short there too.
    # With h = 2 at review 0: periods 0-1, 10 - 8 = 2 left -> False.
    demand = np.array([[4.0, 4.0, 4.0, 4.0, 4.0]])
    led = replay(demand, np.array([10.0]), np.zeros((1, 5)), [0], _fixed(8.0, 3), backorders=True)
    due = np.zeros((1, 5))
    assert unless_acted(led, np.array([10.0]), due, [0, 2], 3, backorders=True).tolist() == [
        [True, True]
    ]
    assert unless_acted(led, np.array([10.0]), due, [0], 2, backorders=True).tolist() == [[False]]
    # at review 3 the order (placed before it) arrives in its window: 2 - 4 owed 2 after
    # period 2; period 3: +8, backlog 2 out, 6, demand 4 -> 2; period 4: 2 - 4 short -> True
    assert unless_acted(led, np.array([10.0]), due, [3], 2, backorders=True).tolist() == [[True]]
    assert unless_acted(led, np.array([10.0]), due, [3], 1, backorders=True).tolist() == [[False]]


def test_a_backlog_still_owed_is_a_stock_out_though_no_new_demand_comes() -> None:
    # 0 on hand, demand 3 in period 0 only, an order of 5 placed at 0 arriving at period 2:
    # 3 owed at the end of periods 0 and 1, cleared in 2. From review 1 (h = 1: period 1) no
    # demand comes, yet the customer of period 0 still waits: a stock-out. From review 2
    # (period 2) the arrival clears it first: none.
    demand = np.array([[3.0, 0.0, 0.0, 0.0]])
    led = replay(demand, np.array([0.0]), np.zeros((1, 4)), [0], _fixed(5.0, 2), backorders=True)
    assert led.out_of_stock()[0].tolist() == [True, True, False, False]
    due = np.zeros((1, 4))
    assert unless_acted(led, np.array([0.0]), due, [1, 2], 1, backorders=True).tolist() == [
        [True, False]
    ]
