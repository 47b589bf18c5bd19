"""Loading one landing file into raw, staging and quarantine, with its line in the load ledger."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from shortage_radar.contract import FEEDS, Feed
from shortage_radar.ingest.files import (
    AS_UTF8,
    MORE_FIELDS,
    FileRejected,
    LandingFile,
    RaggedRows,
    content_hash,
    scan,
)
from shortage_radar.ingest.validate import Checks
from shortage_radar.warehouse import db


@dataclass
class LedgerEntry:
    """One line of meta.load_ledger: what became of one file in one run."""

    load_id: int
    run_id: int
    as_of: date
    feed: str | None
    file: str
    path: str
    content_hash: str
    size_bytes: int
    format: str | None
    status: str  # loaded | skipped | rejected | ignored
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_replaced: int = 0
    rows_context_dependent: int = 0
    message: str = ""
    loaded_at: datetime | None = None


def load_file(
    con: duckdb.DuckDBPyConnection,
    f: LandingFile,
    *,
    run_id: int,
    as_of: date,
    tmp: Path,
) -> LedgerEntry:
    """Load one file inside the caller's transaction; nothing is lost, everything is counted.

    Every data row ends in staging.<feed> or meta.quarantine (rows_read = rows_loaded +
    rows_quarantined), and in raw.<feed> as read (a Parquet file of this load beside the
    warehouse). A file that cannot be read gets one quarantine row (row_number null) and
    status `rejected`. Content loaded before, under any name, is `skipped`, unless rows of it
    were refused for reasons that depend on the run.
    """
    load_id = _next_id(con)
    digest = content_hash(f.path)
    entry = LedgerEntry(
        load_id,
        run_id,
        as_of,
        f.feed,
        f.name,
        str(f.path.resolve()),
        digest,
        f.size,
        f.fmt,
        "loaded",
        loaded_at=datetime.now(),
    )
    if f.feed is None:
        entry.status, entry.message = "ignored", "the name starts with no feed name; not read"
        return _record(con, entry)
    earlier = db.one(
        con,
        "SELECT file, run_id FROM meta.load_ledger WHERE content_hash = ? AND status = 'loaded' "
        "AND rows_context_dependent = 0 ORDER BY load_id LIMIT 1",
        [digest],
    )
    if earlier:
        entry.status = "skipped"
        entry.message = f"same content as {earlier[0]}, loaded in run {earlier[1]}"
        return _record(con, entry)
    feed = FEEDS[f.feed]
    work = tmp / f"load-{load_id}"
    work.mkdir(parents=True, exist_ok=True)
    raw = db.raw_file(con, feed.name, load_id)
    try:
        try:
            _sink(con, f, feed, as_of, load_id, raw, work, ragged=False)
        except RaggedRows:
            _sink(con, f, feed, as_of, load_id, raw, work, ragged=True)
        _store(con, entry, feed, raw, work)
    except FileRejected as e:
        raw.unlink(missing_ok=True)
        entry.status, entry.message = "rejected", str(e)
        con.execute(
            "INSERT INTO meta.quarantine (run_id, as_of, load_id, feed, file, column_name, reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, as_of, load_id, feed.name, f.name, e.columns, e.why],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _record(con, entry)


def _sink(
    con: duckdb.DuckDBPyConnection,
    f: LandingFile,
    feed: Feed,
    as_of: date,
    load_id: int,
    raw: Path,
    work: Path,
    *,
    ragged: bool,
) -> None:
    """One streaming pass of polars over the file, into three Parquet files.

    `raw`: every row as read (text), the raw layer's file for this load. `work/good.parquet`:
    the typed good rows. `work/bad.parquet`: the flagged rows with their reasons.
    """
    lf = scan(f, feed, ragged=ragged)
    skus = None
    if feed.checks_sku:
        skus = con.sql("SELECT DISTINCT sku FROM staging.items").pl()["sku"]
    checks = Checks(feed, lf.collect_schema(), as_of=as_of, known_skus=skus)
    flagged = checks.flag(lf)
    # How the sinks below share work was measured (BENCHMARKS.md, 10 M and 50 M rows): for a
    # CSV, caching the checks and taking the raw rows from them is fastest (10 M rows: 3.4 s
    # against 5.5 s) in flat memory; for Parquet the same held 4 GB at 50 M rows, and the raw
    # rows read straight from the scan keep it near 1 GB.
    column: Callable[[str], pl.Expr]
    if f.fmt == "parquet":
        as_read, column = lf, pl.col
    else:
        flagged = flagged.cache()
        as_read, column = flagged, pl.col("_raw").struct.field
    read = [n for n in checks.read if n != MORE_FIELDS]
    extra = [n for n in read if n not in feed.names]
    extras = pl.struct([column(n) for n in extra]).struct.json_encode() if extra else None
    bad = pl.col("_bad")
    sinks = {
        raw: as_read.select(
            pl.lit(load_id, pl.Int64).alias("load_id"),
            pl.col("row_number").cast(pl.Int64),
            *[column(n).cast(pl.String) for n in read if n in feed.names],
            extra_columns=pl.lit(None, pl.String) if extras is None else extras,
        ),
        work / "good.parquet": flagged.filter(~bad).select(*feed.names, "row_number"),
        work / "bad.parquet": checks.explain(flagged.filter(bad)).select(
            "row_number",
            column_name="_columns",
            reason="_reason",
            record=pl.col("_raw").struct.json_encode() if read else pl.lit(None, pl.String),
            depends_on_run="_depends_on_run",
        ),
    }
    try:
        pl.collect_all(
            [s.sink_parquet(path, lazy=True, compression="lz4") for path, s in sinks.items()],
            engine="streaming",
        )
    except pl.exceptions.PolarsError as e:
        why = str(e)
        if "more fields than" in why and not ragged:
            raise RaggedRows from None
        if "invalid utf-8" in why:
            raise FileRejected(f.path, f"is not UTF-8 text; {AS_UTF8}") from None
        raise FileRejected(f.path, f"cannot be read: {why.strip().splitlines()[0][:300]}") from None


def _store(
    con: duckdb.DuckDBPyConnection, entry: LedgerEntry, feed: Feed, raw: Path, work: Path
) -> None:
    """Insert the good rows into staging and the bad into quarantine; replace what is superseded."""
    good, bad = str(work / "good.parquet"), str(work / "bad.parquet")
    lid = entry.load_id
    entry.rows_read = _count(con, "SELECT count(*) FROM read_parquet(?)", [str(raw)])
    entry.rows_replaced, entry.message = _replace(con, feed, good)
    entry.rows_loaded = _count(
        con,
        f"INSERT INTO staging.{feed.name} BY NAME SELECT ? AS load_id, * FROM read_parquet(?)",  # noqa: S608
        [lid, good],
    )
    entry.rows_quarantined = _count(
        con,
        "INSERT INTO meta.quarantine BY NAME SELECT ? AS run_id, ? AS as_of, ? AS load_id, "
        "? AS feed, ? AS file, * EXCLUDE (depends_on_run) FROM read_parquet(?)",
        [entry.run_id, entry.as_of, lid, feed.name, entry.file, bad],
    )
    entry.rows_context_dependent = _count(
        con, "SELECT count(*) FROM read_parquet(?) WHERE depends_on_run", [bad]
    )


def _replace(con: duckdb.DuckDBPyConnection, feed: Feed, good: str) -> tuple[int, str]:
    """Delete staged rows that this delivery supersedes; say which earlier files lose rows."""
    by = ", ".join(feed.replace_by)
    match = " AND ".join(f"s.{c} IS NOT DISTINCT FROM n.{c}" for c in feed.replace_by)
    superseded = (
        f"FROM staging.{feed.name} s SEMI JOIN (SELECT DISTINCT {by} FROM read_parquet(?)) n "  # noqa: S608
        f"ON {match}"
    )
    losers = con.execute(
        f"SELECT l.file, count(*) {superseded} JOIN meta.load_ledger l USING (load_id) "
        "GROUP BY l.file, l.load_id ORDER BY l.load_id",
        [good],
    ).fetchall()
    if not losers:
        return 0, ""
    n = _count(
        con,
        f"DELETE FROM staging.{feed.name} s WHERE EXISTS (SELECT 1 FROM read_parquet(?) n "  # noqa: S608
        f"WHERE {match})",
        [good],
    )
    what = {"date, location": "the days and locations it covers"}.get(by, f"the same {by}")
    parts = ", ".join(f"{c} rows of {file}" for file, c in losers)
    return n, f"replaced {parts}: a newer delivery of {what}"


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> int:
    return int(db.one(con, sql, params)[0])


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    return _count(con, "SELECT coalesce(max(load_id), 0) + 1 FROM meta.load_ledger", [])


def _record(con: duckdb.DuckDBPyConnection, entry: LedgerEntry) -> LedgerEntry:
    row = asdict(entry)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO meta.load_ledger ({cols}) VALUES ({marks})", list(row.values()))  # noqa: S608
    return entry
