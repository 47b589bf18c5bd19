"""What the report says per supplier: orders to place with totals, late PO lines, whom to call."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

NO_SUPPLIER = "(no supplier)"


def order_totals(suggestions: pl.DataFrame) -> pl.DataFrame:
    """Per supplier the orders to place today: one row per supplier_id, most value first.

    In: reorder suggestions with supplier_id, action, order_quantity and value (units x unit
    cost; null when no cost is known). Only `order` rows count: expedites are units already
    on order and surplus is units to cancel. Columns: supplier_id (NO_SUPPLIER for none),
    lines, units, value (null only when no line of the supplier has a cost), unpriced (lines
    without a cost, so a total that leaves some out says so).
    """
    return (
        suggestions.filter(pl.col("action") == "order")
        .with_columns(pl.col("supplier_id").fill_null(NO_SUPPLIER))
        .group_by("supplier_id")
        .agg(
            lines=pl.len(),
            units=pl.col("order_quantity").sum(),
            value=pl.when(pl.col("value").is_not_null().any()).then(pl.col("value").sum()),
            unpriced=pl.col("value").is_null().sum(),
        )
        .sort(["value", "units", "supplier_id"], descending=[True, True, False], nulls_last=True)
    )


def late_lines(lines: pl.DataFrame, warnings: pl.DataFrame) -> pl.DataFrame:
    """Open PO lines overdue or likely to slip, with the warning of the series each feeds.

    In: open_po_lines (po_id, sku, location, supplier_id, remaining, promised_date,
    days_overdue, overdue, arrival_p50, arrival_p90, ...) and the current warnings (sku,
    location, risk_rank, value_at_risk). A line is late when it is overdue or its median
    expected arrival falls after its promised date. One row per line, plus `late_days` (days
    overdue, else days the median arrival is after the promise), risk_rank and value_at_risk
    (null: its series is not at risk); sorted by supplier, then the series most at risk.
    """
    slip = (pl.col("arrival_p50") - pl.col("promised_date")).dt.total_days()
    return (
        lines.filter(pl.col("overdue") | (slip > 0))
        .with_columns(late_days=pl.when(pl.col("overdue")).then("days_overdue").otherwise(slip))
        .join(
            warnings.select("sku", "location", "risk_rank", "value_at_risk"),
            on=["sku", "location"],
            how="left",
        )
        .sort(
            ["supplier_id", "risk_rank", "late_days", "po_id", "sku"],
            descending=[False, False, True, False, False],
            nulls_last=True,
        )
    )


def supplier_calls(
    receipts: pl.DataFrame,
    performance: pl.DataFrame,
    lines: pl.DataFrame,
    late: pl.DataFrame,
    *,
    as_of: date,
    recent_days: int,
) -> pl.DataFrame:
    """One row per supplier with open lines or receipts, in the order to call them.

    In: receipts (supply.lead_times.receipts: supplier_id, received_date, lead_time,
    on_time per received line), supplier_performance (supplier_id, lead_time_grown per sku),
    open_po_lines and late_lines. Columns: supplier_id, on_time_rate (share of its received
    lines on or before the promise), lead_time_now (median lead time of the lines received
    in the last recent_days, days), lead_time_usual (median of those before), items_grown
    (its skus whose lead time grew, see supplier_performance), open_lines, overdue_lines,
    slipping_lines (late but not yet overdue), value_at_risk (of the warned series waiting
    on its late lines, each series once), skus_at_risk (those series as `sku (location)`, most
    at risk first). Called first: the most value at risk, then the most overdue lines, then
    the lowest on-time rate.
    """
    since = as_of - timedelta(days=recent_days)
    history = receipts.group_by("supplier_id").agg(
        on_time_rate=pl.col("on_time").mean(),
        lead_time_now=pl.col("lead_time").filter(pl.col("received_date") >= since).median(),
        lead_time_usual=pl.col("lead_time").filter(pl.col("received_date") < since).median(),
    )
    grown = performance.group_by("supplier_id").agg(items_grown=pl.col("lead_time_grown").sum())
    open_ = lines.group_by("supplier_id").agg(open_lines=pl.len())
    at_risk = (
        late.filter(pl.col("risk_rank").is_not_null())
        .unique(["supplier_id", "sku", "location"])
        .sort("risk_rank")
        .group_by("supplier_id", maintain_order=True)
        .agg(
            value_at_risk=pl.col("value_at_risk").sum(),
            skus_at_risk=pl.format("{} ({})", "sku", "location"),
        )
    )
    counts = late.group_by("supplier_id").agg(
        overdue_lines=pl.col("overdue").sum(), slipping_lines=(~pl.col("overdue")).sum()
    )
    suppliers = pl.concat([receipts.select("supplier_id"), lines.select("supplier_id")]).unique()
    out = suppliers
    for part in (history, grown, open_, counts, at_risk):
        out = out.join(part, on="supplier_id", how="left")
    return (
        out.with_columns(
            pl.col("items_grown", "open_lines", "overdue_lines", "slipping_lines")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("value_at_risk").fill_null(0.0),
            pl.col("skus_at_risk").fill_null([]),
        )
        .sort(
            ["value_at_risk", "overdue_lines", "on_time_rate", "supplier_id"],
            descending=[True, True, False, False],
            nulls_last=True,
        )
        .select(
            "supplier_id",
            "on_time_rate",
            "lead_time_now",
            "lead_time_usual",
            "items_grown",
            "open_lines",
            "overdue_lines",
            "slipping_lines",
            "value_at_risk",
            "skus_at_risk",
        )
    )
