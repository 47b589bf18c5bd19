"""Opening warehouse.duckdb and creating its schemas and tables from the feed contract."""

from __future__ import annotations

from pathlib import Path

import duckdb

from shortage_radar.contract import FEEDS, Feed
from shortage_radar.settings import DuckDBSettings

LAYERS = ("raw", "staging", "core", "marts", "meta")
SQL_TYPE = {"str": "VARCHAR", "num": "DOUBLE", "int": "BIGINT", "date": "DATE", "bool": "BOOLEAN"}

META_DDL = """
CREATE TABLE IF NOT EXISTS meta.runs (
    run_id BIGINT PRIMARY KEY, as_of DATE, started_at TIMESTAMP, finished_at TIMESTAMP,
    status VARCHAR, failed_stage VARCHAR, message VARCHAR, data_dir VARCHAR,
    files_loaded BIGINT, files_skipped BIGINT, files_rejected BIGINT,
    rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, settings VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.load_ledger (
    load_id BIGINT PRIMARY KEY, run_id BIGINT, as_of DATE, feed VARCHAR, file VARCHAR,
    path VARCHAR, content_hash VARCHAR, size_bytes BIGINT, format VARCHAR, status VARCHAR,
    rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, rows_replaced BIGINT,
    rows_context_dependent BIGINT, message VARCHAR, loaded_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS meta.quarantine (
    run_id BIGINT, as_of DATE, load_id BIGINT, feed VARCHAR, file VARCHAR, row_number BIGINT,
    column_name VARCHAR, reason VARCHAR, record VARCHAR
);
"""


def connect(
    path: Path, cfg: DuckDBSettings, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file with the configured memory and thread limits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": cfg.memory_limit}
    if cfg.threads:
        config["threads"] = cfg.threads
    return duckdb.connect(str(path), read_only=read_only, config=config)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every layer and the tables the ingest writes; existing ones are left as they are."""
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    con.execute(META_DDL)
    for feed in FEEDS.values():
        con.execute(raw_ddl(feed))
        con.execute(staging_ddl(feed))


def raw_ddl(feed: Feed) -> str:
    """raw.<feed>: every contract column as read (text), unknown columns as JSON, and the load."""
    cols = ", ".join(f"{c} VARCHAR" for c in feed.names)
    return (
        f"CREATE TABLE IF NOT EXISTS raw.{feed.name} "
        f"(load_id BIGINT, row_number BIGINT, {cols}, extra_columns VARCHAR)"
    )


def staging_ddl(feed: Feed) -> str:
    """staging.<feed>: the contract columns typed and validated, and where each row came from."""
    cols = ", ".join(f"{c.name} {SQL_TYPE[c.kind]}" for c in feed.columns)
    return (
        f"CREATE TABLE IF NOT EXISTS staging.{feed.name} "
        f"({cols}, load_id BIGINT, row_number BIGINT)"
    )
