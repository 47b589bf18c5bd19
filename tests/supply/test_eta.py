"""Customer-order ship dates from allocated stock and inbound."""

from __future__ import annotations

import numpy as np

from shortage_radar.supply.eta import ship_days, status


def test_lines_are_served_in_order_from_stock_then_arrivals() -> None:
    # one series, one path: 10 on hand, 20 more arrive on day 4 -> supply 10,10,10,10,30,30
    supply = np.array([[[10, 10, 10, 10, 30, 30]]], dtype=float)
    # three lines of 6 each, requested days 1, 2, 3: cumulative needs 6, 12, 18
    days = ship_days(supply, np.array([0, 0, 0]), np.array([6.0, 12.0, 18.0]), np.array([1, 2, 3]))
    # the first ships on its day; the second needs 12 > 10: waits for day 4, and so does the third
    assert days[:, 0].tolist() == [1, 4, 4]


def test_a_past_due_line_ships_as_soon_as_possible_and_is_late() -> None:
    supply = np.array([[[5, 5, 5]]], dtype=float)
    days = ship_days(supply, np.array([0]), np.array([5.0]), np.array([-3]))
    assert days[0, 0] == 0
    assert status(days[:, 0], days[:, 0], np.array([-3])).tolist() == ["late"]


def test_a_line_behind_a_slipping_po_is_late_by_the_slip() -> None:
    # nothing on hand; a PO of 10 promised on day 2 arrives on day 2 on one path, day 5
    # (3 days of slip) on the two others; the order wants 10 on day 2
    supply = np.zeros((1, 3, 8))
    for p, day in enumerate([2, 5, 5]):
        supply[0, p, day:] = 10
    days = ship_days(supply, np.array([0]), np.array([10.0]), np.array([2]))
    assert days[0].tolist() == [2, 5, 5]
    p50, p90 = np.quantile(days, [0.5, 0.9], axis=1, method="inverted_cdf")
    assert (p50[0], p90[0]) == (5, 5)
    assert status(p50, p90, np.array([2])).tolist() == ["late"]


def test_status_tiers() -> None:
    got = status(np.array([3, 3, 4]), np.array([3, 5, 6]), np.array([3, 3, 3]))
    assert got.tolist() == ["on_time", "at_risk", "late"]


def test_no_supply_within_the_horizon_gives_the_horizon() -> None:
    days = ship_days(np.zeros((1, 2, 4)), np.array([0]), np.array([1.0]), np.array([0]))
    assert days.tolist() == [[4, 4]]
