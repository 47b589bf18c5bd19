"""The chance an inactive series sells again, from its last year or its idle length, by hand."""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

import polars as pl
import pytest

from shortage_radar.forecast.alive import comeback_curve, idle_state, sell_chance

DAYS = [date(2020, m, 1) for m in range(1, 7)]
# origin (idle 2, horizon 2, one origin): the latest with 2 periods after, DAYS[3]
SALES = {
    "a": [1, 0, 0, 0, 1, 0],  # idle 3 at the origin, rate 1/4, sells after
    "b": [2, 0, 0, 0, 0, 0],  # idle 3, rate 2/4, does not
    "c": [1, 1, 0, 0, 1, 0],  # idle 2, rate 2/4, sells after
    "d": [0, 1, 1, 1, 0, 0],  # sold at the origin: not idle
    "e": [0, 0, 0, 0, 0, 0],  # never sold: not idle (nothing to come back to)
}
FIT = pl.DataFrame(
    [(k, d, float(y)) for k, ys in SALES.items() for d, y in zip(DAYS, ys, strict=True)],
    schema=["unique_id", "ds", "y"],
    orient="row",
)


def test_idle_state_counts_periods_since_the_last_sale() -> None:
    state = idle_state(FIT, DAYS[3], idle=2).sort("unique_id")
    assert state.rows() == [("a", 3, 0.25), ("b", 3, 0.5), ("c", 2, 0.5)]


def test_comeback_curve_is_sold_over_expected_if_all_still_sold() -> None:
    curve = comeback_curve(FIT, idle=2, horizon=2, origins=1)
    # idle 2: c sold, expected 1 - e^-(0.5 * 2) = 0.632: 1.58, capped at 1;
    # idle 3: a sold of expected (1 - e^-0.5) + (1 - e^-1) = 1.026: 0.975
    expected_3 = (1 - math.exp(-0.5)) + (1 - math.exp(-1))
    assert curve["idle_for"].to_list() == [2, 3]
    assert curve["alive"].to_list() == pytest.approx([1.0, 1 / expected_3])


def test_comeback_curve_pools_what_would_rise_with_idle_length() -> None:
    # c did not sell after: idle 2 at 0 below idle 3 at 0.975; pooled, sold / expected overall
    fit = FIT.with_columns(
        y=pl.when((pl.col("unique_id") == "c") & (pl.col("ds") == DAYS[4])).then(0.0).otherwise("y")
    )
    pooled = 1 / (2 * (1 - math.exp(-1)) + (1 - math.exp(-0.5)))
    assert comeback_curve(fit, 2, 2, 1)["alive"].to_list() == pytest.approx([pooled, pooled])


CLASSES = pl.DataFrame({"unique_id": list(SALES), "demand_class": ["inactive"] * 4 + ["smooth"]})


def _chance(source: Literal["recent_rate", "comeback"]) -> dict[str, float]:
    got = sell_chance(FIT, CLASSES, 2, 2, source=source, year=3, origins=1, step=1)
    return dict(got.rows())


def test_comeback_chance_is_the_curve_at_the_idle_length_now_times_the_long_run_rate() -> None:
    # at the end only b (idle 5, rate 2/6) and d (idle 2, rate 3/6) are idle, a and c sold
    # within 2 periods, e is not inactive; b takes idle 3's alive, the longest measured
    expected_3 = (1 - math.exp(-0.5)) + (1 - math.exp(-1))
    assert _chance("comeback") == pytest.approx(
        {"b": (1 - math.exp(-2 / 3)) / expected_3, "d": 1.0 * (1 - math.exp(-1))}
    )


def test_recent_rate_chance_is_a_poisson_at_the_last_years_mean() -> None:
    # the last 3 periods: b sold nothing (chance 0), d one unit (mean 1/3 over 2 periods)
    assert _chance("recent_rate") == pytest.approx({"b": 0.0, "d": 1 - math.exp(-2 / 3)})


def test_no_idle_series_at_any_origin_gives_no_curve() -> None:
    assert comeback_curve(FIT, idle=2, horizon=6, origins=3).is_empty()
