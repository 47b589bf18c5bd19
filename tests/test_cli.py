"""The command as a user calls it: exit codes, messages, and a run end to end."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ITEMS, write

CLI = [sys.executable, "-m", "shortage_radar.cli"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("verb", ["run", "demo", "backtest", "serve"])
def test_every_verb_has_help(verb: str) -> None:
    p = cli(verb, "--help")
    assert p.returncode == 0 and "Usage" in p.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", "--no-such-option"], id="unknown-option"),
        pytest.param(["run", "--data", ".", "--as-of", "June 1st"], id="bad-date"),
        pytest.param(["frobnicate"], id="unknown-verb"),
    ],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    assert cli(*args).returncode == 2


def test_bad_setting_exits_1_naming_it(tmp_path: Path) -> None:
    p = cli("run", "--data", str(tmp_path), env={"SHORTAGE_RADAR_SERVICE_LEVEL": "1.5"})
    assert p.returncode == 1
    assert "setting 'service_level' = '1.5' is not allowed" in p.stderr
    assert "Traceback" not in p.stderr + p.stdout


@pytest.mark.slow
def test_missing_required_feed_exits_1_and_publishes_nothing(tmp_path: Path, landing: Path) -> None:
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n")
    p = cli("run", "--data", str(landing), "--warehouse", str(tmp_path / "wh"))
    assert p.returncode == 1
    assert "error: required feed 'items' missing" in p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    assert not (tmp_path / "wh" / "analytics.duckdb").exists()
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT status, failed_stage FROM meta.runs").fetchall() == [
            ("failed", "ingest")
        ]


@pytest.mark.slow
def test_run_publishes_and_a_second_run_goes_on_while_an_analyst_reads(
    tmp_path: Path, landing: Path
) -> None:
    wh = tmp_path / "wh"
    write(landing, "items.csv", ITEMS)
    write(
        landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n2026-05-02,B,1\n2026-05-02,X,1\n"
    )
    p = cli("run", "--data", str(landing), "--warehouse", str(wh))
    assert p.returncode == 0, p.stderr
    assert "run 1 for as-of 2026-05-03: succeeded" in p.stdout  # default: day after last sale
    adb = wh / "analytics.duckdb"
    analyst = duckdb.connect(str(adb), read_only=True)
    assert analyst.execute("SELECT feed, row_number, reason FROM quarantine").fetchall() == [
        ("sales", 3, "sku 'X' is not in items")
    ]
    write(landing, "sales_more.csv", "date,sku,quantity\n2026-05-03,A,5\n")
    p = cli("run", "--data", str(landing), "--warehouse", str(wh))
    assert p.returncode == 0, p.stderr  # the analyst's open connection did not block the run
    assert analyst.execute("SELECT sum(quantity) FROM sales").fetchall()[0] == (3.0,)  # still run 1
    analyst.close()
    with duckdb.connect(str(adb), read_only=True) as fresh:
        assert fresh.execute("SELECT sum(quantity) FROM sales").fetchall()[0] == (8.0,)
        assert fresh.execute("SELECT run_id, as_of, status, rows_loaded FROM runs").fetchall() == [
            (1, datetime.date(2026, 5, 3), "succeeded", 4),
            (2, datetime.date(2026, 5, 4), "succeeded", 3),  # sales.csv again (2) + sales_more (1)
        ]
        statuses = fresh.execute(
            "SELECT file, status FROM load_ledger WHERE run_id = 2 ORDER BY load_id"
        ).fetchall()
    # items.csv is skipped; sales.csv is read again since a row of it named an unknown sku.
    assert statuses == [
        ("items.csv", "skipped"),
        ("sales.csv", "loaded"),
        ("sales_more.csv", "loaded"),
    ]
