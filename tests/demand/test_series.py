"""Demand series: sums per period, zero-filled gaps, whole periods only, censored stock-outs."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from shortage_radar.demand.series import demand_series

NO_STOCK = pl.LazyFrame(
    schema={"date": pl.Date, "sku": pl.String, "location": pl.String, "on_hand": pl.Float64}
)


def sales(rows: list[tuple[date, str, float, bool]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(d, s, "main", q, o) for d, s, q, o in rows],
        schema={
            "date": pl.Date,
            "sku": pl.String,
            "location": pl.String,
            "quantity": pl.Float64,
            "stockout": pl.Boolean,
        },
        orient="row",
    )


def stock(rows: list[tuple[date, str, float]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(d, s, "main", q) for d, s, q in rows], schema=NO_STOCK.collect_schema(), orient="row"
    )


def test_daily_lines_are_summed_and_gaps_filled_with_zero() -> None:
    s = sales(
        [
            (date(2026, 5, 1), "A", 2, False),
            (date(2026, 5, 1), "A", 3, False),
            (date(2026, 5, 4), "A", 1, False),
        ]
    )
    out = demand_series(s, NO_STOCK, freq="D", as_of=date(2026, 5, 6))
    assert out["unique_id"].unique().to_list() == ["A@main"]
    assert out["ds"].to_list() == [date(2026, 5, d) for d in range(1, 6)]  # to as_of - 1
    assert out["y"].to_list() == [5.0, 0.0, 0.0, 1.0, 0.0]
    assert not out["censored"].any()


def test_weeks_start_on_monday_and_a_running_week_is_left_out() -> None:
    # 2026-05-04 is a Monday. as_of Wednesday 2026-05-20: the week of the 18th is still running.
    s = sales([(date(2026, 5, 4) + timedelta(days=i), "A", 1, False) for i in range(16)])
    out = demand_series(s, NO_STOCK, freq="W", as_of=date(2026, 5, 20))
    assert out.select("ds", "y").rows() == [(date(2026, 5, 4), 7.0), (date(2026, 5, 11), 7.0)]
    whole = demand_series(s, NO_STOCK, freq="W", as_of=date(2026, 5, 25))
    assert whole["ds"].to_list()[-1] == date(2026, 5, 18)
    assert whole["y"].to_list() == [7.0, 7.0, 2.0]


def test_months_from_the_first() -> None:
    s = sales([(date(2026, 3, 31), "A", 4, False), (date(2026, 5, 2), "A", 6, False)])
    out = demand_series(s, NO_STOCK, freq="M", as_of=date(2026, 6, 1))
    assert out.select("ds", "y").rows() == [
        (date(2026, 3, 1), 4.0),
        (date(2026, 4, 1), 0.0),
        (date(2026, 5, 1), 6.0),
    ]


def test_stockout_flag_and_empty_shelf_mark_periods_censored() -> None:
    s = sales([(date(2026, 5, 1), "A", 10, False), (date(2026, 5, 2), "A", 0, True)])
    inv = stock([(date(2026, 5, 3), "A", 0.0), (date(2026, 5, 4), "A", 5.0)])
    out = demand_series(s, inv, freq="D", as_of=date(2026, 5, 5))
    assert out.select("ds", "y", "censored").rows() == [
        (date(2026, 5, 1), 10.0, False),
        (date(2026, 5, 2), 0.0, True),
        (date(2026, 5, 3), 0.0, True),
        (date(2026, 5, 4), 0.0, False),
    ]
    weekly = demand_series(s, inv, freq="W", as_of=date(2026, 5, 11))
    assert weekly.select("ds", "y", "stockout_days", "censored").rows() == [
        (date(2026, 4, 27), 10.0, 2, True),  # Monday 27 April .. Sunday 3 May
        (date(2026, 5, 4), 0.0, 0, False),  # a whole week with no sale: zero, not missing
    ]


def test_each_series_starts_at_its_own_first_record() -> None:
    s = sales([(date(2026, 5, 1), "A", 1, False), (date(2026, 5, 3), "B", 2, False)])
    out = demand_series(s, NO_STOCK, freq="D", as_of=date(2026, 5, 4))
    counts = dict(out.group_by("unique_id").len().rows())
    assert counts == {"A@main": 3, "B@main": 1}


def test_a_series_begins_at_its_first_sale_or_stock_not_at_zero_rows_before() -> None:
    # A: zero rows on the 1st and 2nd (a feed listing every day), first sale on the 3rd.
    # B: never sold, but on the shelf from the 2nd: its zeros from then on are real.
    # C: only zero rows: kept from its first record.
    s = sales(
        [
            (date(2026, 5, 1), "A", 0, False),
            (date(2026, 5, 2), "A", 0, False),
            (date(2026, 5, 3), "A", 4, False),
            (date(2026, 5, 4), "B", 0, False),
            (date(2026, 5, 3), "C", 0, False),
        ]
    )
    inv = stock([(date(2026, 5, 1), "A", 0.0), (date(2026, 5, 2), "B", 3.0)])
    out = demand_series(s, inv, freq="D", as_of=date(2026, 5, 5))
    first = dict(out.group_by("unique_id").agg(pl.col("ds").min()).rows())
    assert first == {
        "A@main": date(2026, 5, 3),
        "B@main": date(2026, 5, 2),
        "C@main": date(2026, 5, 3),
    }
    assert out.filter(pl.col("unique_id") == "A@main")["y"].to_list() == [4.0, 0.0]
