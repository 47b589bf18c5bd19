"""Known rates' chances of a stock-out, and the balanced point of a ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shortage_radar.backtest.inventory import Stock, replay
from shortage_radar.backtest.known_rate import balanced, held_out, known_rate_chances


def _nothing(t: int, stock: Stock) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(stock.on_hand.shape), np.ones(stock.on_hand.shape)


@pytest.mark.parametrize(
    ("chance", "truth", "expected"),
    [
        # at 0.9: P 1, R 1/2; at 0.8: 1/2, 1/2; at 0.4: 2/3, 1 (min 2/3, the best); at 0.1: 1/2, 1
        ([0.9, 0.8, 0.4, 0.1], [True, False, True, False], (0.4, 2 / 3, 1.0)),
        # tied chances are warned together: the one cut gives P 1/2, R 1
        ([0.5, 0.5], [True, False], (0.5, 0.5, 1.0)),
        # a chance of 0 never warns, so nothing can be found
        ([0.0, 0.0], [True, False], (math.nan, 0.0, 0.0)),
    ],
    ids=["best-of-four-cuts", "ties-cut-together", "zero-never-warns"],
)
def test_balanced_point_is_the_threshold_with_the_highest_min_of_precision_and_recall(
    chance: list[float], truth: list[bool], expected: tuple[float, float, float]
) -> None:
    got = balanced(np.array([chance]), np.array([truth]))
    assert got == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("chance", "truth", "expected"),
    [
        # earlier reviews (columns 0, 1): 0.9 T, 0.7 F, 0.5 T, 0.2 F; the min of precision
        # and recall is 0.5, 0.5, 0.67, 0.5 at the four cuts, so the cut is 0.5. Later
        # (columns 2, 3): 0.8 T, 0.6 T, 0.55 F, 0.4 T; at 0.5 three warn, two of them right,
        # of three stock-outs. (Balanced on the later half itself would reach 0.75 at 0.4.)
        (
            [[0.9, 0.5, 0.6, 0.4], [0.7, 0.2, 0.55, 0.8]],
            [[True, True, True, True], [False, False, False, True]],
            (0.5, 2 / 3, 2 / 3),
        ),
        # three reviews: the middle one is chosen on (cut 0.9, both right); the last
        # review's 0.7 is below the cut, so nothing warns and its stock-out is missed
        ([[0.9, 0.8, 0.7]], [[True, False, True]], (0.9, math.nan, 0.0)),
        # no stock-out in the later half: nothing to score
        ([[0.9, 0.8]], [[True, False]], (math.nan, math.nan, math.nan)),
    ],
    ids=["cut-carried-to-later-reviews", "odd-count-middle-goes-earlier", "later-half-empty"],
)
def test_held_out_threshold_is_chosen_on_earlier_reviews_and_scored_on_later(
    chance: list[list[float]], truth: list[list[bool]], expected: tuple[float, float, float]
) -> None:
    got = held_out(np.array(chance), np.array(truth))
    assert got == pytest.approx(expected, nan_ok=True)


def test_known_rate_chances_are_poisson_tails_of_the_known_rate() -> None:
    # 2 on hand, nothing on order, 3 periods; with backorders demand goes unserved within
    # them exactly when their total exceeds 2. The history: 5 periods before the replay
    # (2 units), then its 3 periods (1 each).
    # window: rate 1, 1 - P(Poisson(3) <= 2) = 1 - e^-3 (1 + 3 + 4.5) = 0.5768.
    # history: 5 units in 8 periods, rate 0.625: 1 - e^-1.875 (1 + 1.875 + 1.7578) = 0.2896.
    # to_date: 2 units in the 5 periods before, rate 0.4: 1 - e^-1.2 (1 + 1.2 + 0.72) = 0.1205.
    # last_year, a year of 4 periods: 1 unit in the last 4 before, rate 0.25:
    # 1 - e^-0.75 (1 + 0.75 + 0.28125) = 0.0405.
    # 20,000 paths: standard errors at most 0.0035.
    led = replay(np.ones((1, 3)), np.array([2.0]), np.zeros((1, 3)), [0], _nothing, backorders=True)
    got = known_rate_chances(
        led,
        np.array([2.0]),
        np.zeros((1, 3)),
        [0],
        3,
        np.array([[1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]),
        5,
        4,
        backorders=True,
        paths=20_000,
        seed=1,
    )
    assert got["window"][0, 0] == pytest.approx(1 - math.exp(-3) * 8.5, abs=0.012)
    assert got["history"][0, 0] == pytest.approx(1 - math.exp(-1.875) * 4.6328, abs=0.012)
    assert got["to_date"][0, 0] == pytest.approx(1 - math.exp(-1.2) * 2.92, abs=0.012)
    assert got["last_year"][0, 0] == pytest.approx(1 - math.exp(-0.75) * 2.03125, abs=0.012)
