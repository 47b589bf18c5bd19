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
) -> Path:
    """Write each `tables` query (name -> SELECT on the warehouse) to Parquet and switch the views.

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
    _switch_views(warehouse_dir, final, list(tables))
    _prune(root, keep)
    return final


def _switch_views(warehouse_dir: Path, version: Path, names: list[str]) -> None:
    target = warehouse_dir / ANALYTICS
    tmp = warehouse_dir / f".{ANALYTICS}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as adb:
        for name in names:
            path = sql_text(str(version / f"{name}.parquet"))
            adb.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({path})")  # noqa: S608
    os.replace(tmp, target)


def _prune(root: Path, keep: int) -> None:
    versions = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("v"))
    for old in versions[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
