"""The run's core tables as the buyers' report shows them, read from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from shortage_radar.report.suppliers import late_lines, order_totals, supplier_calls
from shortage_radar.supply.lead_times import receipts
from shortage_radar.warehouse import db


@dataclass
class ReportData:
    """Everything one report shows, each frame in the order it is shown.

    warnings: the current warnings (status new/continuing/worsening), by risk_rank, with
    description and, for those warned the previous run, prev_probability and
    prev_stockout_date. resolved: last run's warnings no longer at risk. previous_as_of: the
    date of the run they are compared with (None: the first run). projections: the
    stock_projection rows of the top warnings. suggestions: reorder_suggestions with
    description, unit_cost and value. totals: order_totals. orders_at_risk: customer order
    lines late or at risk, with description and days_late. suppliers: supplier_calls.
    late: late_lines with description.
    """

    as_of: date
    previous_as_of: date | None
    warnings: pl.DataFrame
    resolved: pl.DataFrame
    projections: pl.DataFrame
    suggestions: pl.DataFrame
    totals: pl.DataFrame
    orders_at_risk: pl.DataFrame
    suppliers: pl.DataFrame
    late: pl.DataFrame


def read_report(
    con: duckdb.DuckDBPyConnection, as_of: date, *, charts: int, recent_days: int
) -> ReportData:
    """Read what the report of `as_of` shows from core and staging of a warehouse that has
    run the supply stage for that date; `charts` top warnings get their projection."""
    (previous_as_of,) = db.one(
        con, "SELECT max(as_of) FROM core.warning_history WHERE as_of < ?", [as_of]
    )
    all_warnings = con.sql(
        "SELECT w.*, i.description, h.stockout_probability AS prev_probability, "
        "h.expected_stockout_date AS prev_stockout_date "
        "FROM core.shortage_warnings w LEFT JOIN staging.items i USING (sku) "
        "LEFT JOIN core.warning_history h "
        "ON h.as_of = ? AND h.sku = w.sku AND h.location = w.location AND h.status <> 'resolved' "
        "ORDER BY w.risk_rank NULLS LAST, w.sku, w.location",
        params=[previous_as_of],
    ).pl()
    warnings = all_warnings.filter(pl.col("status") != "resolved")
    projections = con.sql(
        "SELECT p.* FROM core.stock_projection p JOIN core.shortage_warnings w "
        "USING (sku, location) WHERE w.risk_rank <= ? ORDER BY w.risk_rank, p.ds",
        params=[charts],
    ).pl()
    suggestions = con.sql(
        "SELECT s.*, i.description, coalesce(si.unit_cost, i.unit_cost) AS unit_cost, "
        "s.order_quantity * coalesce(si.unit_cost, i.unit_cost) AS value "
        "FROM core.reorder_suggestions s LEFT JOIN staging.items i USING (sku) "
        "LEFT JOIN staging.supplier_items si ON si.supplier_id = s.supplier_id AND si.sku = s.sku "
        "ORDER BY s.supplier_id, s.action, s.sku, s.location"
    ).pl()
    orders = con.sql(
        "SELECT e.*, i.description, "
        "date_diff('day', e.requested_date, e.projected_ship_date) AS days_late "
        "FROM core.customer_order_eta e LEFT JOIN staging.items i USING (sku) "
        "WHERE e.status IN ('late', 'at_risk') "
        "ORDER BY e.status = 'at_risk', e.requested_date, e.order_id, e.sku"
    ).pl()
    lines = con.sql(
        "SELECT o.*, i.description FROM core.open_po_lines o LEFT JOIN staging.items i USING (sku)"
    ).pl()
    late = late_lines(lines, warnings)
    got = receipts(
        con.sql("SELECT * FROM staging.purchase_orders WHERE order_date < ?", params=[as_of]).pl()
    ).filter(pl.col("received_date") < as_of)
    perf = con.sql("SELECT supplier_id, sku, lead_time_grown FROM core.supplier_performance").pl()
    return ReportData(
        as_of=as_of,
        previous_as_of=previous_as_of,
        warnings=warnings,
        resolved=all_warnings.filter(pl.col("status") == "resolved"),
        projections=projections,
        suggestions=suggestions,
        totals=order_totals(suggestions),
        orders_at_risk=orders,
        suppliers=supplier_calls(got, perf, lines, late, as_of=as_of, recent_days=recent_days),
        late=late,
    )
