"""The ingest stage as a whole: which files, which as-of date, and the totals per feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from shortage_radar.contract import FEEDS
from shortage_radar.errors import DataError
from shortage_radar.ingest.files import LandingFile, discover, scan
from shortage_radar.ingest.load import LedgerEntry, load_file
from shortage_radar.ingest.validate import as_date
from shortage_radar.warehouse import db


def landing_files(data_dir: Path, con: duckdb.DuckDBPyConnection) -> list[LandingFile]:
    """The files to load, or DataError when a required feed has no file and nothing staged."""
    if not data_dir.is_dir():
        raise DataError(f"landing folder {data_dir} does not exist")
    files = discover(data_dir)
    have = {f.feed for f in files}
    missing = [
        name
        for name, feed in FEEDS.items()
        if feed.required and name not in have and not _staged(con, name)
    ]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise DataError(
            f"required feed {names} missing: no file named {missing[0]}.csv, {missing[0]}.parquet "
            f"or {missing[0]}_*.csv[.gz] in {data_dir}, and none loaded before"
        )
    return files


def default_as_of(files: list[LandingFile], con: duckdb.DuckDBPyConnection, today: date) -> date:
    """The day after the last sales date, from the new sales files and what is staged.

    Sales dated after today are typing errors, not news: they are ignored here (and then
    quarantined as after the as-of date), so one bad row cannot move the whole run into the future.
    """
    last: list[date] = []
    (staged,) = db.one(con, "SELECT max(date) FROM staging.sales WHERE date <= ?", [today])
    if staged:
        last.append(staged)
    for f in files:
        if f.feed != "sales":
            continue
        try:
            lf = scan(f, FEEDS["sales"])
            dtype, raw = lf.collect_schema()["date"], pl.col("date")
            d = as_date(raw.str.strip_chars() if dtype == pl.String else raw, dtype)
            value = lf.select(d.filter(d <= today).max()).collect(engine="streaming").item()
        except Exception:  # an unreadable file is rejected, with its reason, by the load itself
            continue
        if value is not None:
            last.append(value)
    if not last:
        raise DataError("no sales dates found to set the as-of date; give --as-of YYYY-MM-DD")
    return max(last) + timedelta(days=1)


def load_all(
    con: duckdb.DuckDBPyConnection,
    files: list[LandingFile],
    *,
    run_id: int,
    as_of: date,
    tmp: Path,
    load_one: Callable[..., LedgerEntry] = load_file,
) -> list[LedgerEntry]:
    """Load every file in one transaction: a crash leaves the warehouse as it was before.

    `load_one` is load_file, or the flow's task that wraps it.
    """
    with db.transaction(con):
        return [load_one(con, f, run_id=run_id, as_of=as_of, tmp=tmp) for f in files]


def _staged(con: duckdb.DuckDBPyConnection, feed: str) -> bool:
    return bool(db.one(con, f"SELECT count(*) FROM (SELECT 1 FROM staging.{feed} LIMIT 1)")[0])  # noqa: S608


def feed_totals(entries: list[LedgerEntry]) -> pl.DataFrame:
    """Per feed: files by status and rows read, loaded and quarantined (the run summary's table)."""
    if not entries:
        return pl.DataFrame()
    df = pl.DataFrame([e.__dict__ for e in entries])
    return df.group_by("feed", maintain_order=True).agg(
        files=pl.len(),
        skipped=(pl.col("status") == "skipped").sum(),
        rejected=(pl.col("status") == "rejected").sum(),
        rows_read=pl.col("rows_read").sum(),
        rows_loaded=pl.col("rows_loaded").sum(),
        rows_quarantined=pl.col("rows_quarantined").sum(),
    )
