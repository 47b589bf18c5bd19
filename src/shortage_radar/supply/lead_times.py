"""Supplier lead times and promise slips learned from received purchase-order lines."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

# How much of the history must back a distribution before it is trusted over a coarser one.
_BASES = ("supplier_sku", "supplier", "quoted")


def receipts(pos: pl.DataFrame) -> pl.DataFrame:
    """One row per received PO line: supplier_id, sku, received_date, lead_time, slip, on_time.

    In: staged purchase_orders. A line counts once it has a received_date (status `received`,
    or an `open` line partly received); cancelled lines never. lead_time = received - ordered,
    slip = received - promised (days; negative = early), on_time = slip <= 0.
    """
    got = pos.filter(pl.col("received_date").is_not_null() & (pl.col("status") != "cancelled"))
    return got.select(
        "supplier_id",
        "sku",
        "received_date",
        lead_time=(pl.col("received_date") - pl.col("order_date")).dt.total_days(),
        slip=(pl.col("received_date") - pl.col("promised_date")).dt.total_days(),
    ).with_columns(on_time=pl.col("slip") <= 0)


def supplier_performance(
    pos: pl.DataFrame,
    supplier_items: pl.DataFrame,
    *,
    as_of: date,
    min_receipts: int,
    recent_days: int,
    growth: float,
) -> pl.DataFrame:
    """Per supplier x sku the lead-time and slip distributions to plan with, and their trend.

    In: staged purchase_orders and supplier_items. Grain: every (supplier_id, sku) in
    supplier_items or on a PO. The distributions are the empirical ones (lists of observed
    days, to be sampled), taken from the pair's own receipts when it has min_receipts, else
    from all the supplier's receipts, else the quoted lead_time_days with no slip (`basis`
    says which). Columns: supplier_id, sku, basis, receipts (count behind the basis),
    lead_times, slips (lists of days), lead_time_p50, lead_time_p90, slip_p50, slip_p90,
    on_time_rate, quoted_lead_time, recent_lead_time (median of the last recent_days'
    receipts), long_run_lead_time (median before them), lead_time_grown (recent >= growth x
    long run, each side with min_receipts receipts: a grown lead time changes what to order
    before the long-run mean notices).
    """
    r = receipts(pos).filter(pl.col("received_date") < as_of)
    pairs = pl.concat(
        [supplier_items.select("supplier_id", "sku"), pos.select("supplier_id", "sku")]
    ).unique()
    quoted = supplier_items.group_by("supplier_id", "sku").agg(
        quoted_lead_time=pl.col("lead_time_days").first()
    )
    dist = [
        pl.col("lead_time").alias("lead_times"),
        pl.col("slip").alias("slips"),
        pl.col("on_time").mean().alias("on_time_rate"),
        pl.len().alias("receipts"),
    ]
    own = r.group_by("supplier_id", "sku").agg(dist)
    whole = r.group_by("supplier_id").agg(dist)
    since = as_of - timedelta(days=recent_days)
    trend = r.group_by("supplier_id", "sku").agg(
        recent=pl.col("lead_time").filter(pl.col("received_date") >= since),
        before=pl.col("lead_time").filter(pl.col("received_date") < since),
    )
    enough = pl.col("receipts") >= min_receipts
    out = (
        pairs.join(quoted, on=["supplier_id", "sku"], how="left")
        .join(own, on=["supplier_id", "sku"], how="left")
        .join(whole, on="supplier_id", how="left", suffix="_supplier")
        .join(trend, on=["supplier_id", "sku"], how="left")
        .with_columns(
            basis=pl.when(enough)
            .then(pl.lit(_BASES[0]))
            .when(pl.col("receipts_supplier") >= min_receipts)
            .then(pl.lit(_BASES[1]))
            .otherwise(pl.lit(_BASES[2]))
        )
    )
    pick = {
        c: pl.when(pl.col("basis") == _BASES[0]).then(c).when(pl.col("basis") == _BASES[1])
        for c in ("lead_times", "slips", "on_time_rate", "receipts")
    }
    out = out.with_columns(
        lead_times=pick["lead_times"]
        .then("lead_times_supplier")
        .otherwise(pl.concat_list(pl.col("quoted_lead_time").fill_null(0).cast(pl.Int64))),
        slips=pick["slips"].then("slips_supplier").otherwise(pl.concat_list(pl.lit(0, pl.Int64))),
        on_time_rate=pick["on_time_rate"].then("on_time_rate_supplier"),
        receipts=pick["receipts"].then("receipts_supplier").otherwise(0),
        recent_lead_time=pl.col("recent").list.median(),
        long_run_lead_time=pl.col("before").list.median(),
        lead_time_grown=(pl.col("recent").list.len() >= min_receipts)
        & (pl.col("before").list.len() >= min_receipts)
        & (pl.col("recent").list.median() >= growth * pl.col("before").list.median()),
    )
    q = {
        f"{col}_p{p}": pl.col(f"{col}s")
        .list.eval(pl.element().quantile(p / 100, interpolation="higher"))
        .list.first()
        for col in ("lead_time", "slip")
        for p in (50, 90)
    }
    return (
        out.with_columns(**q)
        .with_columns(pl.col("lead_time_grown").fill_null(False))
        .select(
            "supplier_id",
            "sku",
            "basis",
            "receipts",
            "lead_times",
            "slips",
            "lead_time_p50",
            "lead_time_p90",
            "slip_p50",
            "slip_p90",
            "on_time_rate",
            "quoted_lead_time",
            "recent_lead_time",
            "long_run_lead_time",
            "lead_time_grown",
        )
        .sort("supplier_id", "sku")
    )
