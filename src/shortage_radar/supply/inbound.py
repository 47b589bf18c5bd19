"""Open purchase-order lines and their arrival dates as distributions."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl


def open_lines(pos: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """PO lines still to arrive, one row each, sorted by po_id, sku.

    In: staged purchase_orders. A line is open when its status is `open` and it is not wholly
    received: an `open` line with a received_date but no received_quantity counts as received
    (exports often leave the status at its default), one with received_quantity below quantity
    is partly received and the rest is still to come. Cancelled and received lines never are.
    Columns: po_id, sku, location, supplier_id, remaining (units), order_date, promised_date,
    days_overdue (as_of - promised_date when the promise has passed, else 0), overdue.
    """
    got = pl.col("received_quantity").fill_null(
        pl.when(pl.col("received_date").is_not_null()).then(pl.col("quantity")).otherwise(0.0)
    )
    return (
        pos.filter(pl.col("status") == "open")
        .with_columns(remaining=pl.col("quantity") - got)
        .filter(pl.col("remaining") > 0)
        .with_columns(
            days_overdue=(pl.lit(as_of) - pl.col("promised_date")).dt.total_days().clip(0),
        )
        .select(
            "po_id",
            "sku",
            "location",
            "supplier_id",
            "remaining",
            "order_date",
            "promised_date",
            "days_overdue",
            overdue=pl.col("days_overdue") > 0,
        )
        .sort("po_id", "sku")
    )


def arrival_days(
    lines: pl.DataFrame,
    performance: pl.DataFrame,
    as_of: date,
    n_paths: int,
    rng: np.random.Generator,
    *,
    unknown_delay: int,
) -> np.ndarray:
    """Days from as_of until each line arrives, one draw per path: shape (lines, n_paths).

    The arrival is the promised date plus a slip drawn from the supplier's slip distribution
    (performance.slips of the supplier x sku), conditioned on the line not having arrived
    before today: only slips with promised + slip >= as_of are drawn (for an overdue line,
    the residual of a slip that is already this long). When none is that long, the line is
    late beyond all history: it arrives after `unknown_delay` days from today. Never < 0.
    """
    n = lines.height
    if n == 0:
        return np.zeros((0, n_paths), dtype=np.int64)
    until = (pl.col("promised_date") - pl.lit(as_of)).dt.total_days()
    cand = (
        lines.with_row_index("line")
        .join(
            performance.select("supplier_id", "sku", "slips"), on=["supplier_id", "sku"], how="left"
        )
        .select("line", until=until, slip=pl.col("slips").fill_null([0]))
        .explode("slip")
        .filter(pl.col("until") + pl.col("slip") >= 0)
        .select("line", day=pl.col("until") + pl.col("slip"))
        .sort("line")
    )
    return draw(cand["line"].to_numpy(), cand["day"].to_numpy(), n, n_paths, rng, unknown_delay)


def draw(
    row: np.ndarray,
    values: np.ndarray,
    n: int,
    n_paths: int,
    rng: np.random.Generator,
    default: int,
) -> np.ndarray:
    """n_paths draws with replacement per row from that row's values: shape (n, n_paths).

    `row` (sorted) and `values` list the values of each row 0..n-1 (an empirical
    distribution, bootstrapped); a row with none gets `default`. One vectorised draw for all.
    """
    counts = np.bincount(row, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = starts[:, None] + np.floor(rng.random((n, n_paths)) * counts[:, None]).astype(np.int64)
    out = np.full((n, n_paths), default, dtype=np.int64)
    has = counts > 0
    out[has] = values[pick[has]]
    return out
