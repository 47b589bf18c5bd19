"""The fit frame: stock-out periods imputed from the uncensored ones before them, recent history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from shortage_radar.forecast.censor import fit_frame

START = date(2026, 1, 1)


def series(name: str, ys: Sequence[float], censored: frozenset[int] = frozenset()) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unique_id": name,
            "ds": [START + timedelta(days=i) for i in range(len(ys))],
            "y": [float(y) for y in ys],
            "censored": [i in censored for i in range(len(ys))],
        }
    )


def ys(out: pl.DataFrame, name: str) -> list[float]:
    return out.filter(pl.col("unique_id") == name)["y"].to_list()


def test_a_stock_out_is_imputed_at_the_rate_before_it() -> None:
    # 20 days of 10, out of stock for 14 days (2 sold on the first, 0 after), 10 a day again.
    # Days 1-7 of the stock-out see uncensored 10s in their 7-day window: estimate 10. From day
    # 8 on the window is all censored and the estimate 10 carries on.
    df = series("A", [10] * 20 + [2] + [0] * 13 + [10] * 10, frozenset(range(20, 34)))
    out = fit_frame(df, history=365, window=7)
    assert out.columns == ["unique_id", "ds", "y"]
    assert out["ds"].to_list() == df["ds"].to_list()
    assert ys(out, "A") == [10.0] * 44


def test_the_estimate_is_the_mean_of_the_uncensored_periods_in_the_window() -> None:
    # window 3. Day 3: uncensored 2, 4, 6 before it -> 4. Day 4: window days 1-3, of which
    # 4 and 6 uncensored -> 5 (the imputed 4 of day 3 does not count).
    df = series("A", [2, 4, 6, 0, 0], frozenset({3, 4}))
    assert ys(fit_frame(df, history=365, window=3), "A") == [2.0, 4.0, 6.0, 4.0, 5.0]


def test_the_window_forgets_older_periods() -> None:
    # window 2: day 4 sees days 2 and 3 (9 and 9) -> 9, not the mean 5 of all four days.
    df = series("A", [1, 1, 9, 9, 0], frozenset({4}))
    assert ys(fit_frame(df, history=365, window=2), "A") == [1.0, 1.0, 9.0, 9.0, 9.0]


def test_censored_sales_above_the_estimate_are_kept() -> None:
    # Estimate 10 on both censored days; the 15 sold on day 3 stays (sales are a lower bound).
    df = series("A", [10, 10, 10, 15, 3], frozenset({3, 4}))
    out = fit_frame(df, history=365, window=3)
    assert ys(out, "A") == [10.0, 10.0, 10.0, 15.0, 10.0]
    assert (out["y"] >= df["y"]).all()  # y never goes down


def test_uncensored_periods_are_left_alone() -> None:
    # Only censored days change: a 0 sold on an uncensored day is a real zero.
    df = series("A", [5, 0, 5, 0, 7], frozenset({4}))
    assert ys(fit_frame(df, history=365, window=4), "A") == [5.0, 0.0, 5.0, 0.0, 7.0]


def test_a_censored_start_takes_the_series_uncensored_mean() -> None:
    # Days 0-1 are censored with nothing uncensored before them: the mean of 4, 6, 8 = 6.
    df = series("A", [1, 0, 4, 6, 8], frozenset({0, 1}))
    assert ys(fit_frame(df, history=365, window=3), "A") == [6.0, 6.0, 4.0, 6.0, 8.0]


def test_a_series_censored_throughout_keeps_its_sales() -> None:
    # No uncensored period at all: no estimate, so the sales stand (imputed 0, then the max).
    df = series("A", [1, 2, 0], frozenset({0, 1, 2}))
    assert ys(fit_frame(df, history=365, window=3), "A") == [1.0, 2.0, 0.0]


def test_history_keeps_the_newest_periods_and_short_series_whole() -> None:
    df = pl.concat([series("A", [1, 2, 3, 4, 5, 6]), series("B", [7, 8])])
    out = fit_frame(df, history=3, window=3)
    assert ys(out, "A") == [4.0, 5.0, 6.0]
    assert out.filter(pl.col("unique_id") == "A")["ds"].to_list() == [
        START + timedelta(days=d) for d in (3, 4, 5)
    ]
    assert ys(out, "B") == [7.0, 8.0]  # shorter than history: all of it


def test_imputation_uses_periods_cut_off_by_history() -> None:
    # The estimate is taken before the cut: day 3 (censored) is imputed from days 0-2 (mean 4)
    # even though only days 2-4 are kept.
    df = series("A", [2, 4, 6, 0, 1], frozenset({3}))
    assert ys(fit_frame(df, history=3, window=3), "A") == [6.0, 4.0, 1.0]


def test_series_do_not_leak_into_each_other() -> None:
    # A ends censored with estimate 100; B starts censored with uncensored mean (4 + 6) / 2 = 5.
    # B must not inherit A's estimate (forward fill, shifts and windows are per series).
    a = series("A", [100, 100, 100, 0], frozenset({3}))
    b = series("B", [0, 0, 4, 6], frozenset({0, 1}))
    for df in (pl.concat([a, b]), pl.concat([b, a])):
        out = fit_frame(df, history=365, window=3)
        assert ys(out, "A") == [100.0, 100.0, 100.0, 100.0]
        assert ys(out, "B") == [5.0, 5.0, 4.0, 6.0]
    # Each series alone gives the same as together.
    together = fit_frame(pl.concat([a, b]), history=2, window=3)
    alone = pl.concat([fit_frame(a, history=2, window=3), fit_frame(b, history=2, window=3)])
    assert together.equals(alone)
