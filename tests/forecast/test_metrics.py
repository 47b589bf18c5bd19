"""Accuracy metrics on hand-worked series: M5 scales, RMSSE, bias, scaled pinball, coverage."""

from __future__ import annotations

from datetime import date, timedelta
from math import sqrt

import polars as pl
import pytest

from shortage_radar.forecast.metrics import accuracy, pinball, scales, summarise

START = date(2026, 1, 1)
PROBS = [0.5, 0.8, 0.95]


def train(name: str, ys: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unique_id": name,
            "ds": [START + timedelta(days=i) for i in range(len(ys))],
            "y": [float(y) for y in ys],
        }
    )


def by_id(df: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["unique_id"]: r for r in df.iter_rows(named=True)}


def test_scales_are_the_mean_squared_and_absolute_first_differences() -> None:
    # y = 1, 3, 2, 2: differences 2, -1, 0. scale_sq = (4 + 1 + 0) / 3 = 5/3, scale_abs = 3/3 = 1.
    got = by_id(scales(train("A", [1, 3, 2, 2])))
    assert got["A"]["scale_sq"] == pytest.approx(5 / 3)
    assert got["A"]["scale_abs"] == pytest.approx(1.0)


def test_scales_are_taken_in_date_order() -> None:
    # The same y = 1, 3, 2, 2 handed over shuffled: still 5/3 and 1 (in the given order,
    # 2, 1, 2, 3 would give (1 + 1 + 1) / 3 = 1 and 1).
    df = train("A", [1, 3, 2, 2])[[3, 0, 2, 1]]
    got = by_id(scales(df))
    assert got["A"]["scale_sq"] == pytest.approx(5 / 3)


def test_a_flat_history_gets_scale_one() -> None:
    got = by_id(scales(pl.concat([train("F", [4, 4, 4]), train("S", [7]), train("A", [0, 2])])))
    assert (got["F"]["scale_sq"], got["F"]["scale_abs"]) == (1.0, 1.0)  # differences all 0
    assert (got["S"]["scale_sq"], got["S"]["scale_abs"]) == (1.0, 1.0)  # no difference at all
    # A single difference of 2: 4 and 2, untouched by the flat series beside it.
    assert (got["A"]["scale_sq"], got["A"]["scale_abs"]) == (4.0, 2.0)


def test_pinball_loss() -> None:
    # Under the quantile the loss is p * (y - q), over it (1 - p) * (q - y).
    df = pl.DataFrame({"y": [5.0, 0.0, 2.0], "q": [2.0, 2.0, 2.0]})
    got = df.select(pinball(pl.col("y"), pl.col("q"), 0.8))["y"].to_list()
    assert got == pytest.approx([0.8 * 3, 0.2 * 2, 0.0])


def hand_errors() -> pl.DataFrame:
    # One series, three periods: y = 0, 2, 5 against a flat forecast of 1 and quantiles 1, 2, 3.
    return pl.DataFrame(
        {
            "unique_id": "A",
            "y": [0.0, 2.0, 5.0],
            "yhat": [1.0, 1.0, 1.0],
            "q50": [1.0, 1.0, 1.0],
            "q80": [2.0, 2.0, 2.0],
            "q95": [3.0, 3.0, 3.0],
        }
    )


HAND_SCALE = pl.DataFrame({"unique_id": ["A"], "scale_sq": [2.0], "scale_abs": [0.5]})


def test_accuracy_on_a_hand_example() -> None:
    got = by_id(accuracy(hand_errors(), HAND_SCALE, PROBS, ["unique_id"]))["A"]
    # errors -1, 1, 4: mean square 18/3 = 6, RMSSE = sqrt(6 / 2) = sqrt(3).
    assert got["rmsse"] == pytest.approx(sqrt(3))
    # sum yhat 3 against sum y 7: (3 - 7) / 7.
    assert got["bias"] == pytest.approx(-4 / 7)
    # Pinball per period (y = 0, 2, 5):
    #   q50 = 1: 0.5, 0.5, 0.5 * 4 = 2     -> mean 1
    #   q80 = 2: 0.2 * 2 = 0.4, 0, 0.8 * 3 = 2.4 -> mean 2.8/3 = 14/15
    #   q95 = 3: 0.05 * 3 = 0.15, 0.05 * 1 = 0.05, 0.95 * 2 = 1.9 -> mean 2.1/3 = 0.7
    # spl = mean(1, 14/15, 0.7) / 0.5 = (79/90) / 0.5 = 79/45.
    assert got["spl"] == pytest.approx(79 / 45)
    # y <= q: q50 = 1 covers y = 0 only; q80 = 2 and q95 = 3 cover 0 and 2.
    assert got["coverage_50"] == pytest.approx(1 / 3)
    assert got["coverage_80"] == pytest.approx(2 / 3)
    assert got["coverage_95"] == pytest.approx(2 / 3)
    assert (got["n"], got["sum_y"], got["sum_yhat"]) == (3, 7.0, 3.0)


def test_accuracy_groups_by_the_keys_and_scales_each_series_by_its_own() -> None:
    # B is A's errors doubled with a scale four times A's: the same RMSSE; its pinball doubles
    # and its scale_abs is 2 instead of 0.5, so its spl is half of A's.
    a = hand_errors()
    b = a.with_columns(pl.lit("B").alias("unique_id"), pl.exclude("unique_id") * 2)
    scale = pl.concat(
        [HAND_SCALE, pl.DataFrame({"unique_id": ["B"], "scale_sq": [8.0], "scale_abs": [2.0]})]
    )
    got = by_id(accuracy(pl.concat([a, b]), scale, PROBS, ["unique_id"]))
    assert got["B"]["rmsse"] == pytest.approx(sqrt(3))
    assert got["B"]["spl"] == pytest.approx(79 / 45 / 2)
    assert got["B"]["bias"] == pytest.approx(-4 / 7)
    assert got["B"]["n"] == 3


def test_bias_is_null_without_demand() -> None:
    errors = hand_errors().with_columns(y=pl.lit(0.0))
    got = by_id(accuracy(errors, HAND_SCALE, PROBS, ["unique_id"]))["A"]
    assert got["sum_y"] == 0.0
    assert got["bias"] is None
    # The other scores still exist: errors 1, 1, 1 -> RMSSE sqrt(1 / 2); all y <= q.
    assert got["rmsse"] == pytest.approx(sqrt(0.5))
    assert got["coverage_50"] == 1.0


def test_summarise_means_per_series_weighted_coverage_and_bias_of_sums() -> None:
    per_series = pl.DataFrame(
        {
            "unique_id": ["A", "B", "C"],
            "demand_class": ["smooth", "smooth", "lumpy"],
            "rmsse": [1.0, 3.0, 0.5],
            "spl": [0.2, 0.4, 0.1],
            "coverage_80": [0.5, 1.0, 0.0],
            "n": [2, 6, 4],
            "sum_y": [4.0, 6.0, 0.0],
            "sum_yhat": [5.0, 7.0, 1.0],
        }
    )
    got = {
        r["demand_class"]: r for r in summarise(per_series, ["demand_class"]).iter_rows(named=True)
    }
    s = got["smooth"]
    assert s["rmsse"] == pytest.approx(2.0)  # (1 + 3) / 2: each series once
    assert s["spl"] == pytest.approx(0.3)
    # Coverage over all periods: (0.5 * 2 + 1.0 * 6) / 8 = 7/8, not the mean of shares 0.75.
    assert s["coverage_80"] == pytest.approx(7 / 8)
    # Bias of the sums: (12 - 10) / 10 = 0.2, not the mean of 0.25 and 1/6.
    assert s["bias"] == pytest.approx(0.2)
    assert (s["n"], s["sum_y"], s["sum_yhat"], s["series"]) == (8, 10.0, 12.0, 2)
    # lumpy: one series without demand -> bias null.
    assert got["lumpy"]["bias"] is None
    assert got["lumpy"]["series"] == 1
