"""Shared fixtures: a fresh warehouse, landing files written inline, and a loader."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

# Prefect keeps its state under PREFECT_HOME: tests get their own, never the user's.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A flow run without a server starts a temporary one; on a busy 2-core machine it can take
# longer than Prefect's default 20 s to answer.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("DO_NOT_TRACK", "1")  # nor from Prefect's client

from shortage_radar.ingest.files import discover
from shortage_radar.ingest.load import LedgerEntry
from shortage_radar.ingest.stage import load_all
from shortage_radar.settings import DuckDBSettings
from shortage_radar.warehouse import db

AS_OF = date(2026, 6, 1)
ITEMS = "sku,description,unit_cost,unit_price\nA,Bolt,1.0,2.0\nB,Nut,0.5,1.0\n"


def pytest_sessionfinish() -> None:
    """Stop Prefect's temporary server while pytest's output is still open: left to atexit,
    its goodbye is logged to a closed stream and prints a 'Logging error' traceback."""
    from prefect.server.api.server import SubprocessASGIServer

    for server in list(SubprocessASGIServer._instances.values()):
        server.stop()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty warehouse with every schema and table."""
    c = db.connect(tmp_path / "wh" / "warehouse.duckdb", DuckDBSettings())
    db.create_schema(c)
    yield c
    c.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    d = tmp_path / "landing"
    d.mkdir()
    return d


def write(folder: Path, name: str, content: str | bytes) -> Path:
    p = folder / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def load(
    con: duckdb.DuckDBPyConnection, folder: Path, as_of: date = AS_OF, run_id: int = 1
) -> dict[str, LedgerEntry]:
    """Load every file of a folder as a run does; the ledger entries by file name."""
    entries = load_all(con, discover(folder), run_id=run_id, as_of=as_of, tmp=folder.parent / "tmp")
    return {e.file: e for e in entries}


def quarantined(con: duckdb.DuckDBPyConnection, file: str) -> list[tuple[object, ...]]:
    """(row_number, column_name, reason) of a file's quarantined rows, in row order."""
    return con.execute(
        "SELECT row_number, column_name, reason FROM meta.quarantine WHERE file = ? "
        "ORDER BY run_id, row_number",
        [file],
    ).fetchall()


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    assert row is not None
    return int(row[0])
