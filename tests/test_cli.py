"""The command as a user calls it: exit codes, messages, and a run end to end."""

from __future__ import annotations

import datetime
import json
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


@pytest.mark.slow
def test_quiet_run_prints_one_line_and_no_progress(tmp_path: Path, landing: Path) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n2026-05-01,X,1\n")
    p = cli("run", "-q", "--data", str(landing), "--warehouse", str(tmp_path / "wh"))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("run 1 for as-of 2026-05-02: succeeded; 3 rows loaded, 1 quar")
    assert p.stdout.count("\n") == 1
    assert "INFO" not in p.stderr


@pytest.mark.slow
def test_a_failed_run_leaves_the_published_results_in_place(tmp_path: Path, landing: Path) -> None:
    wh = tmp_path / "wh"
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n")
    assert cli("run", "--data", str(landing), "--warehouse", str(wh)).returncode == 0
    p = cli("run", "--data", str(tmp_path / "gone"), "--warehouse", str(wh))
    assert p.returncode == 1 and "landing folder" in p.stderr
    with duckdb.connect(str(wh / "analytics.duckdb"), read_only=True) as adb:
        assert adb.execute("SELECT run_id, status FROM runs").fetchall() == [(1, "succeeded")]
        assert adb.execute("SELECT sum(quantity) FROM sales").fetchall() == [(2.0,)]
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT run_id, status FROM meta.runs ORDER BY 1").fetchall() == [
            (1, "succeeded"),
            (2, "failed"),
        ]


@pytest.mark.slow
def test_killed_mid_ingest_the_warehouse_keeps_its_previous_state(tmp_path: Path) -> None:
    import signal
    import time

    from shortage_radar.sample_data import SampleSpec, write_feeds

    wh, small, big = tmp_path / "wh", tmp_path / "small", tmp_path / "big"
    # the ingest is under test, not the forecast: two quick models for every class
    quick = {
        f"SHORTAGE_RADAR_FORECAST__PORTFOLIO__{c}": '["WindowAverage", "Naive"]'
        for c in ("SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY")
    }
    write_feeds(small, SampleSpec(skus=20, days=60))
    assert cli("run", "--data", str(small), "--warehouse", str(wh), env=quick).returncode == 0
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        before = con.execute("SELECT count(*), sum(quantity) FROM staging.sales").fetchall()
    write_feeds(big, SampleSpec(skus=400, days=730, seed=3))
    run = subprocess.Popen(
        [*CLI, "run", "--data", str(big), "--warehouse", str(wh)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the kill reaches the temporary Prefect server it starts
        env={**os.environ, **quick},
    )
    deadline = time.monotonic() + 120
    while not list((wh / "tmp").glob("load-*")) and run.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # in the middle of the ingest transaction
    run.wait()
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(quantity) FROM staging.sales").fetchall() == before
        assert con.execute("SELECT count(*) FROM meta.load_ledger WHERE run_id = 2").fetchall() == [
            (0,)
        ]
    p = cli("run", "--data", str(big), "--warehouse", str(wh), env=quick)  # the next just works
    assert p.returncode == 0, p.stderr
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        loads = "FROM meta.load_ledger WHERE feed = 'sales' AND status = 'loaded'"
        ((raw, read),) = con.execute(
            f"SELECT (SELECT count(*) FROM raw.sales), (SELECT sum(rows_read) {loads})"
        ).fetchall()
        ids = [r[0] for r in con.execute(f"SELECT load_id {loads} ORDER BY 1").fetchall()]
    assert raw == read  # every row read by a good run, once; none from the killed one
    files = sorted(p.name for p in (wh / "raw" / "sales").glob("load-*.parquet"))
    assert files == ["load-000000.parquet"] + [f"load-{i:06d}.parquet" for i in ids]


@pytest.mark.slow
def test_backtest_on_the_three_required_feeds_writes_the_contract_summary(
    tmp_path: Path, landing: Path
) -> None:
    # only items, sales and supplier_items: 150 days, A 2 a day, B 3 every third day
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=i) for i in range(150)]
    sales = [f"{d},A,2" for d in days] + [f"{d},B,3" for d in days[::3]]
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n" + "\n".join(sales) + "\n")
    write(landing, "supplier_items.csv", "supplier_id,sku,lead_time_days\nS1,A,7\nS1,B,14\n")
    cfg = write(
        tmp_path, "bt.toml", "[backtest]\nhorizons = [7]\ncurve_levels = [0.9]\npoisson_paths = 0\n"
    )
    wh, out = tmp_path / "bt", tmp_path / "summary.json"
    start, end = "2026-04-20", "2026-05-04"  # reviews on 04-20, 04-27, 05-04
    p = cli(
        "backtest", "--data", str(landing), "--start", start, "--end", end, "--every", "7",
        "--warehouse", str(wh), "--json", str(out), "--config", str(cfg),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    s = json.loads(out.read_text())
    # CONTRACT.md 2, the keys a reader of the summary may rely on
    assert {"rmsse", "coverage_80", "coverage_95"} <= set(s["forecast"])
    policy = {"target_service_level", "fill_rate", "cycle_service_level", "avg_inventory_value"}
    policy |= {"orders"}
    assert policy <= set(s["policy"]) and s["policy"]["target_service_level"] == 0.95
    assert {"precision", "recall"} <= set(s["warnings"]["7"])
    for base in ("minmax", "normal"):
        assert policy <= set(s["baselines"][base]) and "recall" in s["baselines"][base]["7"]
    assert s["settings"]["backtest"]["horizons"] == [7]
    # no inventory feed: each policy sets its own starting stock, and the summary says so
    assert s["reviews"] == 3 and s["initial_stock"].startswith("set by each policy")
    assert 0 <= s["policy"]["fill_rate"] <= 1 and s["policy"]["orders"] >= 1
    # the report draws the exchange curve; analysts read the tables with SQL
    assert "<svg" in (wh / "backtest.html").read_text()
    with duckdb.connect(str(wh / "analytics.duckdb"), read_only=True) as con:
        methods = con.execute("SELECT DISTINCT method FROM backtest_scores ORDER BY 1").fetchall()
    assert methods == [("min_max",), ("ours",), ("textbook",)]
