"""Publishing: immutable versions, views in analytics.duckdb, and readers in other processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from shortage_radar.warehouse.publish import ANALYTICS, PUBLISHED, publish, sql_text

TABLES = {"a": "SELECT v FROM t, range(1000)", "b": "SELECT v FROM t, range(7)"}


def write_version(con: duckdb.DuckDBPyConnection, wh: Path, v: int, keep: int = 100) -> None:
    con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [v])
    publish(con, wh, v, TABLES, keep=keep)


def test_views_show_the_published_version(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        write_version(con, tmp_path, 1)
        write_version(con, tmp_path, 2)
    with duckdb.connect(str(tmp_path / ANALYTICS), read_only=True) as adb:
        assert adb.execute("SELECT min(v), max(v), count(*) FROM a").fetchall()[0] == (2, 2, 1000)
        assert adb.execute("SELECT count(*) FROM b").fetchall()[0] == (7,)
    assert sorted(p.name for p in (tmp_path / PUBLISHED).iterdir()) == ["v000001", "v000002"]


def test_only_the_newest_versions_are_kept(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for v in range(1, 6):
            write_version(con, tmp_path, v, keep=2)
    assert sorted(p.name for p in (tmp_path / PUBLISHED).iterdir()) == ["v000004", "v000005"]


def test_paths_with_quotes_are_quoted() -> None:
    assert sql_text("/data/o'brien/x.parquet") == "'/data/o''brien/x.parquet'"


READER = textwrap.dedent(
    """
    import json, os, sys, duckdb
    adb, stop, hold = sys.argv[1], sys.argv[2], sys.argv[3] == "hold"
    q = ("SELECT (SELECT min(v) FROM a), (SELECT max(v) FROM a), "
         "(SELECT min(v) FROM b), (SELECT max(v) FROM b)")
    # A held connection is an open notebook. DuckDB shares one database instance per file and
    # process, so a process that holds one sees its version until it closes every connection.
    held = duckdb.connect(adb, read_only=True) if hold else None
    seen, mixed, errors = set(), 0, []
    print("ready", flush=True)
    while not os.path.exists(stop):
        try:
            c = held or duckdb.connect(adb, read_only=True)
            row = c.execute(q).fetchall()[0]
            if not hold:
                c.close()
        except Exception as e:
            errors.append(str(e)[:200])
            continue
        mixed += len(set(row)) != 1
        seen.add(row[0])
    print(json.dumps({"seen": sorted(seen), "mixed": mixed, "errors": errors[:5]}))
    """
)


def test_readers_in_other_processes_see_old_or_new_never_a_mix_and_nobody_waits(
    tmp_path: Path,
) -> None:
    stop = tmp_path / "stop"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        write_version(con, tmp_path, 1)
        readers = {
            mode: subprocess.Popen(
                [sys.executable, "-c", READER, str(tmp_path / ANALYTICS), str(stop), mode],
                stdout=subprocess.PIPE,
                text=True,
            )
            for mode in ("hold", "reconnect")
        }
        for r in readers.values():
            assert r.stdout is not None and r.stdout.readline().strip() == "ready"
        for v in range(2, 22):  # the writer publishes while the readers query in a loop
            write_version(con, tmp_path, v)
            time.sleep(0.05)
    time.sleep(0.3)
    stop.touch()
    held, fresh = (json.loads(r.communicate(timeout=60)[0]) for r in readers.values())
    assert held["errors"] == fresh["errors"] == []
    assert held["mixed"] == fresh["mixed"] == 0
    assert held["seen"] == [1]  # an open connection keeps its version, whole
    assert len(fresh["seen"]) > 2 and max(fresh["seen"]) == 21  # new connections move on
