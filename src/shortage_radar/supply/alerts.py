"""Shortage warnings: who is at risk, how badly, why, and what changed since the last run."""

from __future__ import annotations

from datetime import date

import polars as pl

REASONS = (
    "demand_surge",
    "supplier_late",
    "lead_time_increase",
    "no_open_supply",
    "below_safety_stock",
    "backorders_open",
    "high_uncertainty",
)


# What a warning row shows: the contract's columns, then what a buyer reads next to them.
COLUMNS = (
    "unique_id",
    "sku",
    "location",
    "risk_rank",
    "severity",
    "stockout_probability",
    "expected_stockout_date",
    "expected_units_short",
    "value_at_risk",
    "reasons",
    "affected_customer_orders",
    "affected_order_ids",
    "on_hand",
    "days_of_cover",
    "open_po_quantity",
    "primary_supplier",
    "unit_value",
)


def severity(probability: pl.Expr, cutoffs: tuple[float, float, float]) -> pl.Expr:
    """`critical`, `high`, `medium` or `low` by stock-out probability against the cut-offs."""
    return (
        pl.when(probability >= cutoffs[0])
        .then(pl.lit("critical"))
        .when(probability >= cutoffs[1])
        .then(pl.lit("high"))
        .when(probability >= cutoffs[2])
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
    )


def rank(
    risk: pl.DataFrame, min_probability: float, cutoffs: tuple[float, float, float]
) -> pl.DataFrame:
    """Series at risk, one row each, ranked by value at risk.

    In: one row per series with unique_id, sku, location, stockout_probability,
    expected_units_short, unit_value (price, else cost), expected_stockout_date and one
    boolean column per reason code. A series is at risk when its probability of a stock-out
    before replenishment is at least min_probability and some units are expected short.
    value_at_risk = expected_units_short x unit_value: the expected units short already
    weigh each outcome by its probability. risk_rank 1 = act first; ties in value go to the
    higher probability, then the earlier stock-out date, then sku and location, so the order
    never depends on chance. reasons lists the codes that hold, in the order of REASONS.
    """
    at_risk = risk.filter(
        (pl.col("stockout_probability") >= min_probability) & (pl.col("expected_units_short") > 0)
    )
    reasons = pl.concat_list(
        pl.when(pl.col(r)).then(pl.lit(r)).otherwise(pl.lit(None, pl.String)) for r in REASONS
    ).list.drop_nulls()
    return (
        at_risk.with_columns(
            value_at_risk=pl.col("expected_units_short") * pl.col("unit_value").fill_null(0.0),
            severity=severity(pl.col("stockout_probability"), cutoffs),
            reasons=reasons,
        )
        .sort(
            ["value_at_risk", "stockout_probability", "expected_stockout_date", "sku", "location"],
            descending=[True, True, False, False, False],
            nulls_last=True,
        )
        .with_columns(risk_rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
        .select(COLUMNS)
    )


def against_previous(
    now: pl.DataFrame, previous: pl.DataFrame | None, as_of: date, worse_by: float
) -> pl.DataFrame:
    """`now` with first_seen and status against the previous run's warnings, plus a
    `resolved` row for each previous warning gone today.

    status: `new` (not warned last run), `worsening` (probability up by worse_by or more, or
    the stock-out date earlier), `continuing` (otherwise), `resolved` (warned last run, not
    now; its figures are last run's). first_seen carries over while a warning lasts.
    """
    keys = ["sku", "location"]
    if previous is None or previous.is_empty():
        return now.with_columns(first_seen=pl.lit(as_of), status=pl.lit("new"))
    prev = previous.filter(pl.col("status") != "resolved").select(
        *keys,
        "first_seen",
        prev_probability="stockout_probability",
        prev_date="expected_stockout_date",
    )
    joined = now.join(prev, on=keys, how="left")
    worse = (pl.col("stockout_probability") >= pl.col("prev_probability") + worse_by) | (
        pl.col("expected_stockout_date") < pl.col("prev_date")
    )
    current = joined.with_columns(
        status=pl.when(pl.col("prev_probability").is_null())
        .then(pl.lit("new"))
        .when(worse)
        .then(pl.lit("worsening"))
        .otherwise(pl.lit("continuing")),
        first_seen=pl.col("first_seen").fill_null(pl.lit(as_of)),
    ).drop("prev_probability", "prev_date")
    gone = (
        previous.filter(pl.col("status") != "resolved")
        .join(now.select(keys), on=keys, how="anti")
        .with_columns(status=pl.lit("resolved"), risk_rank=pl.lit(None, pl.Int64))
    )
    return pl.concat([current, gone.select(current.columns)], how="vertical_relaxed")
