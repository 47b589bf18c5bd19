"""A warehouse after a tiny supply run, written inline: what the report tests read.

Two series at risk (A and a sku with markup in it), one resolved since the day before, two
suppliers (one with markup in its id), a description with a script tag. The figures below
are the ones the tests work out by hand.
"""

from __future__ import annotations

from datetime import date

import duckdb

AS_OF = date(2026, 6, 1)
PREVIOUS = date(2026, 5, 31)
EVIL_DESCRIPTION = "Bolt <script>alert('x')</script>"
EVIL_SKU = "B<script>"
EVIL_SUPPLIER = "<script>S2</script>"

STAGING = f"""
INSERT INTO staging.items BY NAME SELECT * FROM (VALUES
  ('A', '{EVIL_DESCRIPTION.replace("'", "''")}', 1.0, 2.0),
  ('{EVIL_SKU}', 'Nut', 0.5, 1.0),
  ('C', 'Washer', 0.2, 0.4)) t(sku, description, unit_cost, unit_price);
INSERT INTO staging.supplier_items BY NAME SELECT * FROM (VALUES
  ('S1', 'A', 7.0, 1.5, 1),
  ('{EVIL_SUPPLIER}', '{EVIL_SKU}', 10.0, NULL, 1)) t(supplier_id, sku, lead_time_days, unit_cost,
  priority);
-- S1: one receipt a year ago (8 days, on time), one recent (14 days, 5 days late);
-- S2: one recent receipt (10 days, on time)
INSERT INTO staging.purchase_orders BY NAME SELECT * FROM (VALUES
  ('P0', 'A', 'S1', 5.0, DATE '2025-06-01', DATE '2025-06-10', DATE '2025-06-09', 'received'),
  ('P9', 'A', 'S1', 5.0, DATE '2026-05-01', DATE '2026-05-10', DATE '2026-05-15', 'received'),
  ('P8', '{EVIL_SKU}', '{EVIL_SUPPLIER}', 4.0, DATE '2026-04-01', DATE '2026-04-11',
   DATE '2026-04-11', 'received'))
  t(po_id, sku, supplier_id, quantity, order_date, promised_date, received_date, status);
"""

WARNING_COLUMNS = (
    "unique_id, sku, location, risk_rank, severity, stockout_probability, "
    "expected_stockout_date, expected_units_short, value_at_risk, reasons, "
    "affected_customer_orders, affected_order_ids, on_hand, days_of_cover, open_po_quantity, "
    "primary_supplier, unit_value, first_seen, status, as_of"
)

CORE = f"""
CREATE TABLE core.shortage_warnings AS SELECT * FROM (VALUES
  ('A@main', 'A', 'main', 1, 'critical', 0.95, DATE '2026-06-04', 10.0, 20.0,
   ['demand_surge', 'supplier_late'], 1, ['SO1'], 3.0, 1.5, 5.0, 'S1', 2.0,
   DATE '2026-05-31', 'worsening', DATE '2026-06-01'),
  ('{EVIL_SKU}@main', '{EVIL_SKU}', 'main', 2, 'high', 0.75, DATE '2026-06-08', 4.0, 4.0,
   ['no_open_supply'], 0, [], 8.0, 4.0, 0.0, '{EVIL_SUPPLIER}', 1.0,
   DATE '2026-06-01', 'new', DATE '2026-06-01'),
  ('C@main', 'C', 'main', NULL, 'low', 0.2, NULL, 1.0, 0.4,
   [], 0, [], 50.0, 20.0, 0.0, 'S1', 0.4,
   DATE '2026-05-31', 'resolved', DATE '2026-06-01'))
  t({WARNING_COLUMNS});
CREATE TABLE core.warning_history AS SELECT * FROM core.shortage_warnings;
INSERT INTO core.warning_history SELECT * FROM (VALUES
  ('A@main', 'A', 'main', 1, 'high', 0.5, DATE '2026-06-06', 5.0, 10.0,
   ['supplier_late'], 0, [], 9.0, 4.5, 5.0, 'S1', 2.0, DATE '2026-05-31', 'new',
   DATE '2026-05-31'),
  ('C@main', 'C', 'main', 2, 'low', 0.2, NULL, 1.0, 0.4,
   [], 0, [], 50.0, 20.0, 0.0, 'S1', 0.4, DATE '2026-05-31', 'new', DATE '2026-05-31'))
  t({WARNING_COLUMNS});
-- 11 days: A falls 3 a day from 30, 12 arrive on day 6; B flat at 8
CREATE TABLE core.stock_projection AS
SELECT sku || '@main' AS unique_id, sku, 'main' AS location,
  DATE '2026-06-01' + d::INTEGER AS ds,
  greatest(start - step * d + CASE WHEN d >= 6 THEN inbound ELSE 0 END, 0) AS expected_on_hand,
  greatest(start - step * d - 2, 0) AS on_hand_q10,
  greatest(start - step * d, 0) AS on_hand_q50,
  greatest(start - step * d + 4, 0) AS on_hand_q90,
  CASE WHEN start - step * d <= 0 THEN 1.0 ELSE 0.0 END AS stockout_probability,
  CASE WHEN d = 6 THEN inbound ELSE 0.0 END AS inbound_quantity
FROM (VALUES ('A', 30.0, 3.0, 12.0), ('{EVIL_SKU}', 8.0, 0.0, 0.0)) s(sku, start, step, inbound),
  range(11) r(d);
CREATE TABLE core.reorder_suggestions AS SELECT * FROM (VALUES
  ('A', 'main', 'S1', 'order', 10.0, DATE '2026-06-01', DATE '2026-06-08', 12.0, 4.0, 0.95,
   'inventory position 8.0 at or below the reorder point 12.0'),
  ('{EVIL_SKU}', 'main', '{EVIL_SUPPLIER}', 'order', 4.0, DATE '2026-06-01', DATE '2026-06-11',
   9.0, 2.0, 0.95, 'inventory position 8.0 at or below the reorder point 9.0'),
  ('A', 'main', 'S1', 'expedite', 5.0, DATE '2026-06-01', DATE '2026-06-03', 12.0, 4.0, 0.95,
   'expedite PO1: 7 days past its promised date 2026-05-25'))
  t(sku, location, supplier_id, action, order_quantity, order_by_date, expected_arrival_date,
    reorder_point, safety_stock, target_service_level, reason);
CREATE TABLE core.customer_order_eta AS SELECT * FROM (VALUES
  ('SO1', 'A', 'main', 'CU1', DATE '2026-05-30', 2.0, DATE '2026-06-05', DATE '2026-06-07',
   'late', 'PO1'),
  ('SO2', '{EVIL_SKU}', 'main', 'CU2', DATE '2026-06-10', 3.0, DATE '2026-06-09',
   DATE '2026-06-12', 'at_risk', NULL),
  ('SO3', 'C', 'main', 'CU1', DATE '2026-06-20', 1.0, DATE '2026-06-20', DATE '2026-06-20',
   'on_time', NULL))
  t(order_id, sku, location, customer_id, requested_date, quantity, projected_ship_date,
    ship_date_p90, status, waits_for_po);
CREATE TABLE core.open_po_lines AS SELECT * FROM (VALUES
  ('PO1', 'A', 'main', 'S1', 5.0, DATE '2026-05-15', DATE '2026-05-25', 7, true,
   DATE '2026-06-03', DATE '2026-06-06'),
  ('PO2', '{EVIL_SKU}', 'main', '{EVIL_SUPPLIER}', 6.0, DATE '2026-05-28', DATE '2026-06-10', 0,
   false, DATE '2026-06-12', DATE '2026-06-15'),
  ('PO3', 'C', 'main', 'S1', 9.0, DATE '2026-05-29', DATE '2026-06-20', 0, false,
   DATE '2026-06-18', DATE '2026-06-21'))
  t(po_id, sku, location, supplier_id, remaining, order_date, promised_date, days_overdue,
    overdue, arrival_p50, arrival_p90);
CREATE TABLE core.supplier_performance AS SELECT * FROM (VALUES
  ('S1', 'A', true), ('S1', 'C', false), ('{EVIL_SUPPLIER}', '{EVIL_SKU}', false))
  t(supplier_id, sku, lead_time_grown);
"""


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Fill a warehouse made by db.create_schema with the tiny run above."""
    con.execute(STAGING)
    con.execute(CORE)
    # Literals like 2.0 are DECIMAL in DuckDB; the run's tables hold DOUBLE.
    decimals = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'core' AND data_type LIKE 'DECIMAL%'"
    ).fetchall()
    for table, column in decimals:
        con.execute(f"ALTER TABLE core.{table} ALTER {column} TYPE DOUBLE")
