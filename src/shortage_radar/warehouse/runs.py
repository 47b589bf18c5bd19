"""The run log (meta.runs): one row a run, written as the run starts and as it ends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from shortage_radar.warehouse import db


def start_run(
    con: duckdb.DuckDBPyConnection, as_of: date | None, data_dir: Path, settings: str
) -> int:
    """Record a run as `running` (committed at once: a crash leaves a trace); return its id."""
    run_id = int(db.one(con, "SELECT coalesce(max(run_id), 0) + 1 FROM meta.runs")[0])
    con.execute(
        "INSERT INTO meta.runs (run_id, as_of, started_at, status, data_dir, settings) "
        "VALUES (?, ?, ?, 'running', ?, ?)",
        [run_id, as_of, datetime.now(), str(data_dir), settings],
    )
    return run_id


def set_as_of(con: duckdb.DuckDBPyConnection, run_id: int, as_of: date) -> None:
    con.execute("UPDATE meta.runs SET as_of = ? WHERE run_id = ?", [as_of, run_id])


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    status: str,
    *,
    failed_stage: str | None = None,
    message: str | None = None,
) -> None:
    """Close the run: its status, and its file and row counts summed from the load ledger."""
    con.execute(
        """
        UPDATE meta.runs SET finished_at = ?, status = ?, failed_stage = ?, message = ?,
            files_loaded = l.loaded, files_skipped = l.skipped, files_rejected = l.rejected,
            rows_read = l.rows_read, rows_loaded = l.rows_loaded,
            rows_quarantined = l.rows_quarantined
        FROM (
            SELECT count(*) FILTER (status = 'loaded') AS loaded,
                   count(*) FILTER (status = 'skipped') AS skipped,
                   count(*) FILTER (status = 'rejected') AS rejected,
                   coalesce(sum(rows_read), 0) AS rows_read,
                   coalesce(sum(rows_loaded), 0) AS rows_loaded,
                   coalesce(sum(rows_quarantined), 0) AS rows_quarantined
            FROM meta.load_ledger WHERE run_id = ?
        ) l
        WHERE run_id = ?
        """,
        [datetime.now(), status, failed_stage, message, run_id, run_id],
    )
