"""The one pass over paths: what a chance to sell changes and what it leaves alone."""

from __future__ import annotations

import numpy as np

from shortage_radar.supply import simulate as simulate_module
from shortage_radar.supply.simulate import BAND, Inputs, Outcome, PathMemo, simulate

PATHS = 1000
DAYS = 30


def _run(
    chance: np.ndarray | None,
    rate: float = 1.0,
    lead: int = 5,
    band: tuple[float, ...] = BAND,
    on_hand: float = 0.0,
    memo: PathMemo | None = None,
) -> Outcome:
    n, span = 2, max(DAYS, lead + 7)  # the paths run over lead time plus review period
    x = Inputs(
        # the first series 1 a day: with nothing on hand every path runs short at once
        mean=np.array([[1.0] * span, [rate] * span]),
        shock_var=np.zeros(n),  # Poisson paths
        level_var=np.zeros(n),
        on_hand=np.full(n, on_hand),
        past_due=np.zeros(n),
        booked=np.zeros((n, DAYS)),
        line_series=np.zeros(0, dtype=np.int64),
        line_qty=np.zeros(0),
        arrive=np.zeros((0, PATHS), dtype=np.int64),
        lead=np.full((1, n, PATHS), lead, dtype=np.int64),
        service=np.full(n, 0.9),
        review_days=7,
        measure="cycle",
        order_series=np.zeros(0, dtype=np.int64),
        order_need=np.zeros(0),
        order_day=np.zeros(0, dtype=np.int64),
        days=DAYS,
        sell_chance=chance,
        band=band,
    )
    return simulate(x, PATHS, np.random.default_rng(1), memo)


def test_a_chance_below_the_forecasts_thins_the_paths_short_but_not_the_reorder_levels() -> None:
    every, half = _run(None), _run(np.array([np.nan, 0.5]))
    # all paths short by day 30 (P(no demand in 30 days) = e^-30); chance 0.5 against the
    # forecast's 1 - e^-30: f = 0.5, 500 of the 1000 emptied
    assert every.shortage_by[:, -1].tolist() == [1.0, 1.0]
    assert half.shortage_by[:, -1].tolist() == [1.0, 0.5]
    # the stocking decision reads all paths: the same levels as without the chance
    np.testing.assert_array_equal(half.reorder_point, every.reorder_point)
    np.testing.assert_array_equal(half.order_up_to, every.order_up_to)
    np.testing.assert_array_equal(half.expected_on_hand[0], every.expected_on_hand[0])


def test_a_chance_above_the_forecasts_copies_paths_that_sell() -> None:
    # 0.01 a day: the forecast's P(any demand in 30 days) is 1 - e^-0.3 = 0.259; told 0.8,
    # f = 3.09: the paths without demand take copies of those with until f times as many
    drawn, told = _run(None, rate=0.01), _run(np.array([np.nan, 0.8]), rate=0.01)
    sold = round(drawn.shortage_by[1, -1] * PATHS)  # nothing on hand: each path with demand
    f = 0.8 / (1 - np.exp(-0.3))
    assert told.shortage_by[1, -1] == (sold + round((f - 1) * sold)) / PATHS
    np.testing.assert_array_equal(told.reorder_point, drawn.reorder_point)


def test_a_chance_equal_to_the_forecasts_changes_nothing() -> None:
    # what the default daily setting gives: the last year's rate is the long-run rate
    same = _run(np.array([np.nan, 1 - np.exp(-0.3)]), rate=0.01)
    drawn = _run(None, rate=0.01)
    np.testing.assert_array_equal(same.shortage_by, drawn.shortage_by)
    np.testing.assert_array_equal(same.units_short, drawn.units_short)


def test_chance_zero_leaves_no_shortage_also_past_the_projection() -> None:
    # a lead time of 60 days: the risk before replenishment runs past the 30 days projected;
    # at 0.01 a day most paths have no demand in the 30 days but some after
    none = _run(np.array([0.0, 0.0]), rate=0.01, lead=60)
    assert none.shortage_by.max() == 0.0
    assert none.risk.tolist() == [0.0, 0.0]
    assert none.units_short.tolist() == [0.0, 0.0]
    assert none.reorder_point.min() > 0  # still stocked for the demand it may have


def test_without_the_band_only_the_band_is_missing() -> None:
    drawn, bare = _run(None, rate=0.5, on_hand=10), _run(None, rate=0.5, band=(), on_hand=10)
    # 10 on hand at 0.5 a day: after day 0 the median path's shelf holds 10 (no sale on 61%
    # of the paths) and nearly all hold 9 or more (P(2 or more sales) = 0.09)
    assert drawn.on_hand_q90.shape == bare.on_hand_q90.shape == (2, DAYS)
    assert (drawn.on_hand_q50[:, 0] >= 9).all() and np.isnan(bare.on_hand_q50).all()
    for name in ("shortage_by", "risk", "reorder_point", "order_up_to", "first_stockout"):
        np.testing.assert_array_equal(getattr(bare, name), getattr(drawn, name), err_msg=name)


def test_paths_from_a_memo_give_what_drawn_ones_do() -> None:
    memo = PathMemo()
    alone = _run(np.array([np.nan, 0.5]), on_hand=5)
    # the second run reads the first's paths, read-only, through every step (sell chance too)
    for _ in range(2):
        got = _run(np.array([np.nan, 0.5]), on_hand=5, memo=memo)
        for name in Outcome.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(got, name), getattr(alone, name), err_msg=name)
    assert len(memo.kept) == 1


def test_a_memo_draws_each_days_paths_once_and_hands_out_the_same(monkeypatch) -> None:
    drawn: list[int] = []
    real = simulate_module.poisson_gamma_paths

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(simulate_module, "poisson_gamma_paths", counted)
    mean = np.full((2, 10), 3.0)
    zero = np.zeros(2)
    memo = PathMemo()
    first = memo.paths(mean, zero, zero, 50, 7, 0)
    again = memo.paths(mean.copy(), zero.copy(), zero.copy(), 50, 7, 0)
    assert len(drawn) == 1 and again is first and not first.flags.writeable
    np.testing.assert_array_equal(first, real(mean, zero, zero, 50, 7, 0))
    # another forecast, seed or first row is another draw
    memo.paths(mean * 2, zero, zero, 50, 7, 0)
    memo.paths(mean, zero, zero, 50, 8, 0)
    memo.paths(mean, zero, zero, 50, 7, 1)
    assert len(drawn) == 4
    # over the limit the oldest go first: room for one draw of 2 x 50 x 10 float64 (8,000 B)
    small = PathMemo(limit=8_000)
    small.paths(mean, zero, zero, 50, 7, 0)
    small.paths(mean * 2, zero, zero, 50, 7, 0)
    assert len(drawn) == 6 and len(small.kept) == 1
    small.paths(mean * 2, zero, zero, 50, 7, 0)  # the newer is kept
    assert len(drawn) == 6
    small.paths(mean, zero, zero, 50, 7, 0)  # the older was dropped: drawn again
    assert len(drawn) == 7


def test_a_memo_keeps_one_days_paths() -> None:
    mean, zero = np.full((2, 10), 3.0), np.zeros(2)
    memo = PathMemo()
    memo.only("monday")
    memo.paths(mean, zero, zero, 50, 7, 0)
    memo.only("monday")  # the other replays of the day find it
    assert len(memo.kept) == 1 and memo.size == 2 * 50 * 10 * 8
    memo.only("tuesday")
    assert not memo.kept and memo.size == 0
