"""Reorder suggestions: what to order from whom by when, what to expedite, what is surplus."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from shortage_radar.supply.policy import economic_order_quantity, order_quantity


def choose_supplier(per: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`per` with the supplier to order from and why.

    In: per series primary_* and backup_* columns (supplier, lead_p50, rop, upto, moq, pack)
    and expected_stockout_date. The primary supplier unless its expected arrival (today
    plus its median lead time) falls after the projected stock-out while the backup's comes
    earlier: then the backup, with the reason stated.
    """
    arrive_p = pl.lit(as_of) + pl.duration(days=pl.col("primary_lead_p50"))
    arrive_b = pl.lit(as_of) + pl.duration(days=pl.col("backup_lead_p50"))
    backup = (
        pl.col("backup_supplier").is_not_null()
        & pl.col("expected_stockout_date").is_not_null()
        & (arrive_p > pl.col("expected_stockout_date"))
        & (arrive_b < arrive_p)
    )
    pick = {
        c: pl.when(backup).then(pl.col(f"backup_{c}")).otherwise(pl.col(f"primary_{c}"))
        for c in ("supplier", "lead_p50", "rop", "upto", "moq", "pack", "lead_demand")
    }
    why = pl.format(
        "primary {} would arrive {}, after the projected stock-out on {}; {} arrives {}",
        "primary_supplier",
        arrive_p,
        "expected_stockout_date",
        "backup_supplier",
        arrive_b,
    )
    return per.with_columns(**pick, use_backup=backup, supplier_reason=pl.when(backup).then(why))


def suggestions(
    per: pl.DataFrame,
    lines: pl.DataFrame,
    as_of: date,
    days: int,
    *,
    order_cost: float = 0.0,
    holding_rate: float = 0.0,
) -> pl.DataFrame:
    """One row per suggested action, in the contract's reorder_suggestions columns plus
    `action` (`order`, `expedite`, `surplus`) and `units_note`.

    - order: the inventory position (on hand + on order - past-due customer orders) is at or
      below the reorder point: order up to the order-up-to level, at least the MOQ, in whole
      packs, today (and at least the economic order quantity when order_cost and
      holding_rate are set); none for discontinued items or series without a supplier.
    - expedite: an open PO line past its promised date.
    - surplus: more on hand and on order than the order-up-to level plus the expected demand
      of the projection horizon, with some of it still on order (a PO to cancel or delay).
    """
    p = choose_supplier(per, as_of).with_columns(
        position=pl.col("on_hand") + pl.col("open_po_quantity") - pl.col("past_due")
    )
    due = p.filter(
        (pl.col("position") <= pl.col("rop"))
        & pl.col("supplier").is_not_null()
        & (pl.col("item_status").fill_null("active") != "discontinued")
    )
    eoq = economic_order_quantity(
        due["daily_demand"].to_numpy() * 365,
        order_cost,
        holding_rate,
        due["unit_value"].fill_null(0.0).to_numpy(),
    )
    need = (due["upto"] - due["position"]).to_numpy()
    qty = order_quantity(
        np.where(need > 0, np.maximum(need, eoq), need),
        due["moq"].fill_null(0.0).to_numpy(),
        due["pack"].fill_null(1.0).to_numpy(),
    )
    reason = pl.format(
        "inventory position {} at or below the reorder point {}",
        pl.col("position").round(1),
        pl.col("rop").round(1),
    )
    orders = (
        due.with_columns(order_quantity=pl.Series(qty, dtype=pl.Float64))
        .select(
            "sku",
            "location",
            supplier_id="supplier",
            action=pl.lit("order"),
            order_quantity="order_quantity",
            order_by_date=pl.lit(as_of),
            expected_arrival_date=pl.lit(as_of) + pl.duration(days="lead_p50"),
            reorder_point="rop",
            safety_stock=(pl.col("rop") - pl.col("lead_demand")).clip(0.0),
            target_service_level="service",
            reason=pl.when(pl.col("use_backup"))
            .then(pl.concat_str([reason, pl.col("supplier_reason")], separator="; "))
            .otherwise(reason),
        )
        .filter(pl.col("order_quantity") > 0)
    )
    levels = p.select(
        "sku", "location", "rop", "lead_demand", "service", "upto", "position", "daily_demand"
    )
    expedite = (
        lines.filter("overdue")
        .join(levels, on=["sku", "location"], how="left")
        .select(
            "sku",
            "location",
            "supplier_id",
            action=pl.lit("expedite"),
            order_quantity="remaining",
            order_by_date=pl.lit(as_of),
            expected_arrival_date="arrival_p50",
            reorder_point="rop",
            safety_stock=(pl.col("rop") - pl.col("lead_demand")).clip(0.0),
            target_service_level="service",
            reason=pl.format(
                "expedite {}: {} days past its promised date {}",
                "po_id",
                "days_overdue",
                "promised_date",
            ),
        )
    )
    excess = pl.col("position") - pl.col("upto") - pl.col("daily_demand") * days
    surplus = p.filter((excess > 0) & (pl.col("open_po_quantity") > 0)).select(
        "sku",
        "location",
        supplier_id="primary_supplier",
        action=pl.lit("surplus"),
        order_quantity=pl.min_horizontal(excess, pl.col("open_po_quantity")),
        order_by_date=pl.lit(None, pl.Date),
        expected_arrival_date=pl.lit(None, pl.Date),
        reorder_point="rop",
        safety_stock=(pl.col("rop") - pl.col("lead_demand")).clip(0.0),
        target_service_level="service",
        reason=pl.format(
            "surplus on order: {} units more than the order-up-to level plus {} days of demand",
            excess.round(0),
            pl.lit(days),
        ),
    )
    out = pl.concat([orders, expedite, surplus], how="vertical_relaxed")
    return out.sort("action", "sku", "location", "supplier_id")
