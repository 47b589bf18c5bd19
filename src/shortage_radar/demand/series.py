"""Demand series in the long format (unique_id, ds, y) with censored periods marked."""

from __future__ import annotations

from datetime import date

import polars as pl

# Period lengths as polars offsets: weeks start on Monday (ISO), months on the 1st.
PERIOD = {"D": "1d", "W": "1w", "M": "1mo"}


def series_id(sku: pl.Expr, location: pl.Expr) -> pl.Expr:
    """The one place a series key is built from (sku, location)."""
    return pl.concat_str([sku, location], separator="@")


def from_end() -> pl.Expr:
    """Per row of a frame sorted by unique_id, ds: 1 for a series' last period, 2 for the one
    before, and so on (the last n periods are those with from_end() <= n)."""
    return pl.len().over("unique_id").cast(pl.Int64) - pl.int_range(pl.len()).over("unique_id")


def period_start(day: pl.Expr, freq: str) -> pl.Expr:
    """The first day of the period holding `day`."""
    return day if freq == "D" else day.dt.truncate(PERIOD[freq])


def demand_series(
    sales: pl.LazyFrame, inventory: pl.LazyFrame, *, freq: str, as_of: date
) -> pl.DataFrame:
    """Demand per series and period, gaps filled with zero, stock-out periods marked censored.

    In: staged `sales` (date, sku, location, quantity, stockout) and `inventory` (date, sku,
    location, on_hand). Only days before `as_of` count, and only whole periods (a week still
    running on the day before `as_of` is left out, so it does not read as a drop in demand).
    Grain of the result: one row per (sku, location) and period from the series' first sale or
    in-stock snapshot (its first record when it has neither) to the last whole period.
    Columns: unique_id, sku, location, ds (period start), y (units sold), stockout_days (days
    flagged out of stock, or with a zero stock snapshot), censored (stockout_days > 0: sales
    then show what was on the shelf, not what was wanted; such periods are to be treated as
    missing, not as low demand, as in Nahmias (1994), "Demand estimation in lost sales
    inventory systems").
    """
    step = PERIOD[freq]
    last_day = pl.lit(as_of).dt.offset_by("-1d")
    # The last whole period is the one whose successor starts on or before as_of.
    end = period_start(pl.lit(as_of), freq)
    end = pl.when(end.dt.offset_by(step) <= as_of).then(end).otherwise(end.dt.offset_by(f"-{step}"))
    keys = ["sku", "location"]
    sold = sales.filter(pl.col("date") < as_of).select(
        *keys, "date", "quantity", out=pl.col("stockout").fill_null(False)
    )
    empty = inventory.filter((pl.col("date") < as_of) & (pl.col("on_hand") <= 0)).select(
        *keys, "date", quantity=pl.lit(0.0), out=pl.lit(True)
    )
    days = (
        pl.concat([sold, empty], how="vertical_relaxed")
        .group_by(*keys, "date")
        .agg(pl.col("quantity").sum(), pl.col("out").any())
    )
    periods = (
        days.with_columns(ds=period_start(pl.col("date"), freq))
        .group_by(*keys, "ds")
        .agg(y=pl.col("quantity").sum(), stockout_days=pl.col("out").sum().cast(pl.Int32))
    )
    # A series begins when the part was first sold or first on the shelf: zeros before that are
    # periods it did not exist in, not periods nobody wanted it (a part launched in month 28
    # would otherwise read as 27 months of no demand, as in the M5 competition's data, whose
    # scaling likewise starts at each series' first sale: Makridakis, Spiliotis & Assimakopoulos
    # 2022, "M5 accuracy competition", IJF 38). A series never sold nor stocked keeps its
    # first record.
    began = (
        pl.concat(
            [
                sold.filter(pl.col("quantity") > 0).select(*keys, "date"),
                inventory.filter((pl.col("date") < as_of) & (pl.col("on_hand") > 0)).select(
                    *keys, "date"
                ),
            ],
            how="vertical_relaxed",
        )
        .group_by(keys)
        .agg(began=period_start(pl.col("date").min(), freq))
    )
    spans = (
        periods.group_by(keys)
        .agg(first=pl.col("ds").min())
        .join(began, on=keys, how="left")
        .with_columns(ds=pl.date_ranges(pl.coalesce("began", "first"), end, step))
        .explode("ds")
        .drop("first", "began")
        .filter(pl.col("ds").is_not_null() & (pl.col("ds") <= last_day))
    )
    return (
        spans.join(periods, on=[*keys, "ds"], how="left")
        .with_columns(
            pl.col("y").fill_null(0.0),
            pl.col("stockout_days").fill_null(0),
            unique_id=series_id(pl.col("sku"), pl.col("location")),
        )
        .with_columns(censored=pl.col("stockout_days") > 0)
        .select("unique_id", *keys, "ds", "y", "stockout_days", "censored")
        .sort("unique_id", "ds")
        .collect()
    )
