"""Opening warehouse.duckdb and creating its schemas and tables from the feed contract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from shortage_radar.contract import FEEDS, Feed
from shortage_radar.settings import DuckDBSettings
from shortage_radar.warehouse.publish import sql_text

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
    """Create every layer and the tables the ingest writes; existing ones are left as they are.

    The raw layer is Parquet, one file a load, in `raw/<feed>/` beside the warehouse file: rows
    as read are written once, by the same pass that validates them. raw.<feed> is a view over
    them that shows only loads the ledger holds, so a load rolled back leaves nothing visible.
    """
    for layer in LAYERS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {layer}")
    con.execute(META_DDL)
    _move_raw_tables_to_files(con)
    (last,) = one(con, "SELECT coalesce(max(load_id), 0) FROM meta.load_ledger")
    for feed in FEEDS.values():
        con.execute(staging_ddl(feed))
        folder = raw_file(con, feed.name, 0).parent
        for orphan in folder.glob("load-*.parquet"):  # from loads a crash rolled back
            if int(orphan.stem.removeprefix("load-")) > last:
                orphan.unlink()
        empty = raw_file(con, feed.name, 0)  # gives the view its columns before any load
        if not empty.exists():
            cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in feed.names)
            columns = f"0::BIGINT AS load_id, 0::BIGINT AS row_number, {cols}"
            con.execute(
                f"COPY (SELECT {columns}, NULL::VARCHAR AS extra_columns LIMIT 0) "
                f"TO {sql_text(str(empty))} (FORMAT parquet)"
            )
        files = sql_text(str(folder / "load-*.parquet"))
        con.execute(
            f"CREATE OR REPLACE VIEW raw.{feed.name} AS SELECT * FROM read_parquet({files}, "  # noqa: S608
            "union_by_name = true) WHERE load_id IN (SELECT load_id FROM meta.load_ledger)"
        )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: commit when the block ends, roll back if it raises (or is interrupted)."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


@contextmanager
def scratch(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> Iterator[None]:
    """Within the block, `con` works on an in-memory copy of the tables of `schemas`: names
    resolve to the copy (a schema not copied starts empty), the warehouse file is neither
    changed nor synced to disk at every commit; the copy is dropped at the end."""
    (home,) = one(con, "SELECT current_database()")
    con.execute("ATTACH ':memory:' AS scratch")
    try:
        for schema in LAYERS:
            con.execute(f"CREATE SCHEMA scratch.{schema}")
        for schema in schemas:
            names = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
                "AND table_schema = ? AND table_type = 'BASE TABLE'",
                [home, schema],
            ).fetchall()
            for (name,) in names:
                con.execute(
                    f'CREATE TABLE scratch.{schema}."{name}" AS '  # noqa: S608
                    f'SELECT * FROM "{home}".{schema}."{name}"'
                )
        con.execute("USE scratch")
        yield
    finally:
        con.execute(f'USE "{home}"')
        con.execute("DETACH scratch")


def one(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...]:
    """The first row of a query. All rows are fetched: DuckDB 2 refuses new work on a connection
    while a result is unfinished, and fetchone() leaves it so."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else ()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether schema.name exists (a stage's first run finds no tables of earlier runs)."""
    (n,) = one(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    )
    return bool(n)


def _move_raw_tables_to_files(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses of the first days kept raw rows in tables: write them out as load files."""
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'raw' AND table_type = 'BASE TABLE'"
    ).fetchall()
    for (name,) in tables:
        loads = con.execute(f"SELECT DISTINCT load_id FROM raw.{name}").fetchall()  # noqa: S608
        for (load_id,) in loads:
            target = sql_text(str(raw_file(con, name, int(load_id))))
            con.execute(
                f"COPY (SELECT * FROM raw.{name} WHERE load_id = {int(load_id)}) "  # noqa: S608
                f"TO {target} (FORMAT parquet)"
            )
        con.execute(f"DROP TABLE raw.{name}")


def raw_file(con: duckdb.DuckDBPyConnection, feed: str, load_id: int) -> Path:
    """Where the raw rows of one load live: raw/<feed>/load-<id>.parquet beside the warehouse."""
    (path,) = one(
        con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    )
    folder = Path(path).resolve().parent / "raw" / feed
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"load-{load_id:06d}.parquet"


def staging_ddl(feed: Feed) -> str:
    """staging.<feed>: the contract columns typed and validated, and where each row came from."""
    cols = ", ".join(f"{c.name} {SQL_TYPE[c.kind]}" for c in feed.columns)
    return (
        f"CREATE TABLE IF NOT EXISTS staging.{feed.name} "
        f"({cols}, load_id BIGINT, row_number BIGINT)"
    )


def replace_core(con: duckdb.DuckDBPyConnection, tables: dict[str, Any]) -> None:
    """Replace each core.<name> with its polars frame; run it inside transaction() so a
    stage's tables change together or not at all."""
    for name, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE core.{name} AS SELECT * FROM frame")  # noqa: S608
        con.unregister("frame")
