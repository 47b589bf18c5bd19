"""Reorder levels from demand paths, and order quantities with MOQ and packs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shortage_radar.supply.policy import demand_over, fill_rate_point, levels, order_quantity


def test_demand_over_sums_each_path_over_its_own_lead_time() -> None:
    paths = np.array([[[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]])
    assert demand_over(paths, np.array([[2, 0]])).tolist() == [[3.0, 0.0]]
    assert demand_over(paths, np.array([[9, 3]])).tolist() == [[6.0, 15.0]]  # capped at h
    # several day counts at once: [r, s, p] in, [r, s, p] out
    stacked = demand_over(paths, np.array([[[1, 2]], [[3, -1]]]))
    assert stacked.tolist() == [[[1.0, 10.0]], [[6.0, 0.0]]]


def test_moq_and_pack_rounding() -> None:
    need = np.array([23.0, 23.0, 0.0, 24.0, 5.0])
    moq = np.array([30.0, 0.0, 30.0, 0.0, 0.0])
    pack = np.array([12.0, 12.0, 12.0, 12.0, 0.0])
    # 30 -> 36 (3 packs); 23 -> 24; no need, no order; 24 is 2 packs exactly; no pack size: 5
    assert order_quantity(need, moq, pack).tolist() == [36.0, 24.0, 0.0, 24.0, 5.0]


def _normal_paths(n: int, h: int, mean: float, sd: float, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, sd, (1, n, h))


def test_normal_demand_with_fixed_lead_time_gives_the_textbook_reorder_point() -> None:
    # N(100, 20^2) a day, lead time 5 days, review every 2, 95% cycle service: the protection
    # interval is 7 days, so s = 700 + 1.645 * 20 * sqrt(7) and S = s + 200 (one review's
    # mean demand)
    n = 20000
    rop, upto, mean_lr = levels(
        _normal_paths(n, 30, 100, 20), np.full((1, n), 5), 2, np.array([0.95])
    )
    sd = 20 * np.sqrt(7)
    textbook = 700 + stats.norm.ppf(0.95) * sd
    # standard error of a sample quantile: sqrt(p(1-p)) / (density there * sqrt(n))
    se = np.sqrt(0.95 * 0.05) / (stats.norm.pdf(stats.norm.ppf(0.95)) / sd * np.sqrt(n))
    assert rop[0] == pytest.approx(textbook, abs=4 * se)
    assert mean_lr[0] == pytest.approx(700, abs=4 * sd / np.sqrt(n))
    assert upto[0] == pytest.approx(rop[0] + 200, abs=4 * 20 * np.sqrt(2 / n) * 3)


def test_without_a_review_period_the_reorder_point_is_the_lead_time_quantile() -> None:
    # continuous review (R = 0): s = 500 + 1.645 * 20 * sqrt(5), the classic z sigma sqrt(L)
    n = 20000
    rop, upto, _ = levels(_normal_paths(n, 30, 100, 20), np.full((1, n), 5), 0, np.array([0.95]))
    sd = 20 * np.sqrt(5)
    se = np.sqrt(0.95 * 0.05) / (stats.norm.pdf(stats.norm.ppf(0.95)) / sd * np.sqrt(n))
    assert rop[0] == pytest.approx(500 + stats.norm.ppf(0.95) * sd, abs=4 * se)
    assert upto[0] == rop[0]


def test_lead_time_uncertainty_raises_the_reorder_point() -> None:
    # same mean lead time 5, but 3 or 7 days at random: the sum is wider, so s is higher
    n = 20000
    paths = _normal_paths(n, 30, 100, 20)
    fixed = levels(paths, np.full((1, n), 5), 0, np.array([0.95]))[0]
    lead = np.random.default_rng(4).choice([3, 7], size=(1, n))
    varying = levels(paths, lead, 0, np.array([0.95]))[0]
    assert varying[0] > fixed[0] + 100


def test_a_fill_rate_target_is_met_by_the_lowest_path_sum_that_leaves_enough_short() -> None:
    # four paths: demand over L 0, 2, 2, 4 and over L + R 0, 2, 4, 6, so a review's mean
    # demand is (12 - 8) / 4 = 1. Short in a cycle, E[(D_LR - S)+] - E[(D_L - S)+]:
    # S = 2: 6/4 - 2/4 = 1 (fill 0); S = 4: 2/4 - 0 = 0.5 (fill 0.5); S = 6: 0 (fill 1)
    over_l = np.array([[0.0, 2, 2, 4]] * 3)
    over_lr = np.array([[6.0, 4, 2, 0]] * 3)  # any order
    got = fill_rate_point(over_l, over_lr, np.array([0.5, 0.6, 0.0]))
    assert got.tolist() == [4.0, 6.0, 0.0]


def test_no_demand_expected_in_a_cycle_needs_no_stock() -> None:
    got = fill_rate_point(np.array([[3.0, 1.0]]), np.array([[3.0, 1.0]]), np.array([0.99]))
    assert got.tolist() == [0.0]


def test_lumpy_demand_needs_more_for_a_fill_rate_than_for_the_same_cycle_service() -> None:
    # one review period (L = 0), R = 1 day: demand 0 on half the paths and 10 on the other
    # half. Cycle service 0.5 is met with nothing; a fill rate of 0.5 needs 10 (with S = 0
    # every unit is short)
    paths = np.array([[[0.0], [10.0]] * 2]).reshape(1, 4, 1)
    lead = np.zeros((1, 4), dtype=np.int64)
    cycle, _, _ = levels(paths, lead, 1, np.array([0.5]))
    fill, _, _ = levels(paths, lead, 1, np.array([0.5]), "fill_rate")
    assert cycle.tolist() == [0.0]
    assert fill.tolist() == [10.0]
