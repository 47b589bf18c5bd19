"""Publishing a good run: immutable Parquet versions and analytics.duckdb as views over them.

Why this shape: DuckDB lets one process write a file or many read it, never both. Analysts
therefore never open warehouse.duckdb. Each good run writes its tables to a new folder
`published/v<run>` (built under a temporary name, then renamed), then writes a new
analytics.duckdb beside the old one and renames it over it. A reader holding the old file keeps
seeing the old version whole; a reader who opens after the rename sees the new one whole. Never
a mix, and neither side waits for the other.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from shortage_radar.contract import FEEDS

PUBLISHED = "published"
ANALYTICS = "analytics.duckdb"


def published_tables(run_id: int, as_of: date) -> dict[str, str]:
    """What a good run publishes: table name -> query on the warehouse.

    The run log, quarantine and ledger with their whole history; the staged feeds, demand
    classes, forecasts, the models behind them and their accuracy as of this run, stamped with
    its run_id and as_of.
    """
    stamp = f"SELECT {int(run_id)}::BIGINT AS run_id, DATE '{as_of.isoformat()}' AS as_of, *"
    tables = {
        "runs": "SELECT * FROM meta.runs ORDER BY run_id",
        "quarantine": "SELECT * FROM meta.quarantine ORDER BY run_id, load_id, row_number",
        "load_ledger": "SELECT * FROM meta.load_ledger ORDER BY load_id",
    }
    for name in FEEDS:
        tables[name] = f"{stamp} EXCLUDE (row_number) FROM staging.{name}"
    tables["demand_classes"] = f"{stamp} FROM core.demand_classes ORDER BY unique_id"
    tables["forecasts"] = f"{stamp} FROM core.forecasts ORDER BY sku, location, ds"
    tables["forecast_models"] = f"{stamp} FROM core.forecast_models ORDER BY sku, location"
    tables["forecast_accuracy"] = (
        f"{stamp} FROM core.forecast_accuracy ORDER BY level, demand_class, sku, location"
    )
    for name, order in (
        ("supplier_performance", "supplier_id, sku"),
        ("open_po_lines", "po_id, sku"),
        ("stock_projection", "sku, location, ds"),
        ("stock_risk", "sku, location"),
        ("reorder_suggestions", "action, sku, location, supplier_id"),
        ("customer_order_eta", "requested_date, order_id, sku"),
    ):
        tables[name] = f"{stamp} FROM core.{name} ORDER BY {order}"
    tables["shortage_warnings"] = (
        f"{stamp} EXCLUDE (as_of) FROM core.shortage_warnings ORDER BY risk_rank NULLS LAST, sku"
    )
    tables["warning_history"] = "SELECT * FROM core.warning_history ORDER BY as_of, risk_rank"
    return tables


# The key of every published table and view: unique, and not null except the columns in
# NULL_IN_KEY (tests/warehouse/test_analytics.py holds the published sample to this; the
# docs state each). An empty key: none (sales lines may repeat).
KEYS: dict[str, tuple[str, ...]] = {
    "runs": ("run_id",),
    "quarantine": ("load_id", "row_number"),
    "load_ledger": ("load_id",),
    "items": ("sku",),
    "sales": (),
    "inventory": ("date", "sku", "location"),
    "purchase_orders": ("po_id", "sku", "location"),
    "supplier_items": ("supplier_id", "sku"),
    "customer_orders": ("order_id", "sku", "location"),
    "demand_classes": ("unique_id",),
    "forecasts": ("sku", "location", "ds"),
    "forecast_models": ("unique_id",),
    "forecast_accuracy": ("level", "demand_class", "unique_id"),
    "supplier_performance": ("supplier_id", "sku"),
    "open_po_lines": ("po_id", "sku", "location"),
    "stock_projection": ("sku", "location", "ds"),
    "stock_risk": ("unique_id",),
    "reorder_suggestions": ("action", "sku", "location", "supplier_id", "reason"),
    "customer_order_eta": ("order_id", "sku", "location"),
    "shortage_warnings": ("sku", "location"),
    "warning_history": ("as_of", "sku", "location"),
    "forecast_history": ("as_of", "sku", "location", "ds"),
    "stock_risk_history": ("as_of", "unique_id"),
    "suggestion_history": ("as_of", "action", "sku", "location", "supplier_id", "reason"),
    "current_warnings": ("sku", "location"),
    "current_suggestions": ("action", "sku", "location", "supplier_id", "reason"),
    "forecast_vs_actual": ("as_of", "sku", "location", "ds"),
}
# A whole-file rejection has no row; accuracy rows of a class or of all series no series.
NULL_IN_KEY = {"quarantine": ("row_number",), "forecast_accuracy": ("demand_class", "unique_id")}

# History across runs from the versions still on disk (publish.keep_versions): view name ->
# the table each version holds. A re-run of an as-of date shows only its newest run.
HISTORY = {
    "forecast_history": "forecasts",
    "stock_risk_history": "stock_risk",
    "suggestion_history": "reorder_suggestions",
}

PERIOD = {"D": "day", "W": "week", "M": "month"}  # date_trunc units: weeks start on Monday


def analyst_views(freq: str) -> dict[str, str]:
    """Views over the published tables for everyday questions: view name -> SELECT.

    current_warnings: open warnings (not resolved) with the item's description, category and
    buyer, by risk rank. current_suggestions: suggestions with description, buyer and
    order_value (order_quantity × the supplier's unit cost, else the item's). forecast_vs_actual:
    every kept run's forecast of a period that is over by the latest as-of date, beside the
    demand that came (sales of the period; stockout_days tell where it was censored).
    """
    unit = PERIOD[freq]  # one of three fixed words, never user text
    return {
        "current_warnings": (
            "SELECT w.*, i.description, i.category, i.buyer FROM shortage_warnings w "
            "LEFT JOIN (SELECT sku, description, category, buyer FROM items) i USING (sku) "
            "WHERE w.status <> 'resolved' ORDER BY w.risk_rank, w.sku, w.location"
        ),
        "current_suggestions": (
            "SELECT s.*, i.description, i.buyer, "
            "s.order_quantity * coalesce(si.unit_cost, i.unit_cost) AS order_value "
            "FROM reorder_suggestions s "
            "LEFT JOIN (SELECT sku, description, buyer, unit_cost FROM items) i USING (sku) "
            "LEFT JOIN (SELECT supplier_id, sku, unit_cost FROM supplier_items) si "
            "USING (supplier_id, sku) ORDER BY s.action, s.sku, s.location, s.supplier_id"
        ),
        "forecast_vs_actual": (
            "SELECT f.*, (f.ds - f.as_of) AS days_ahead, "  # noqa: S608
            "coalesce(a.actual, 0) AS actual, coalesce(a.stockout_days, 0) AS stockout_days "
            "FROM forecast_history f "
            "LEFT JOIN (SELECT sku, location, "
            f"date_trunc('{unit}', date)::DATE AS ds, sum(quantity) AS actual, "
            "count(DISTINCT date) FILTER (WHERE stockout) AS stockout_days "
            "FROM sales GROUP BY ALL) a USING (sku, location, ds) "
            f"WHERE f.ds + INTERVAL 1 {unit} <= (SELECT max(as_of) FROM forecast_history) "
            "ORDER BY f.sku, f.location, f.ds, f.as_of"
        ),
    }


def sql_text(s: str) -> str:
    """A SQL string literal, for the one place DuckDB takes no parameter: a view's file path."""
    return "'" + s.replace("'", "''") + "'"


def publish(
    con: duckdb.DuckDBPyConnection,
    warehouse_dir: Path,
    run_id: int,
    tables: dict[str, str],
    *,
    keep: int,
    views: dict[str, str] | None = None,
) -> Path:
    """Write each `tables` query (name -> SELECT on the warehouse) to Parquet and switch the views.

    analytics.duckdb then holds a view per table, the HISTORY views of the tables published
    (over the kept versions), and `views` (name -> SELECT over those, see analyst_views).
    Returns the new version folder. Keeps the newest `keep` versions and removes older ones.
    """
    root = (warehouse_dir / PUBLISHED).resolve()
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"v{run_id:06d}"
    building = root / f".v{run_id:06d}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    for name, query in tables.items():
        target = sql_text(str(building / f"{name}.parquet"))
        con.execute(f"COPY ({query}) TO {target} (FORMAT parquet)")
    shutil.rmtree(final, ignore_errors=True)  # a re-run of a run id that failed mid-publish
    os.replace(building, final)
    kept = _versions(root)[-keep:]
    _switch_views(warehouse_dir, kept, list(tables), views or {})
    for old in _versions(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _versions(root: Path) -> list[Path]:
    """The published versions, oldest first (v<run_id>, zero-padded: names sort by run)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("v"))


def _switch_views(
    warehouse_dir: Path, kept: list[Path], names: list[str], views: dict[str, str]
) -> None:
    """A new analytics.duckdb renamed over the old: a view per table of the newest version in
    `kept`, the history views over all of `kept`, then `views`."""
    target = warehouse_dir / ANALYTICS
    tmp = warehouse_dir / f".{ANALYTICS}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as adb:
        for name in names:
            path = sql_text(str(kept[-1] / f"{name}.parquet"))
            adb.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({path})")  # noqa: S608
        for name, table in HISTORY.items():
            files = [v / f"{table}.parquet" for v in kept if (v / f"{table}.parquet").exists()]
            if table in names and files:
                paths = ", ".join(sql_text(str(f)) for f in files)
                adb.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{paths}], "  # noqa: S608
                    "union_by_name = true) QUALIFY run_id = max(run_id) OVER (PARTITION BY as_of)"
                )
        for name, query in views.items():
            adb.execute(f"CREATE VIEW {name} AS {query}")
    os.replace(tmp, target)
