"""`shortage-radar serve` with a real Prefect server: a run triggered through the API publishes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from servers import Server, api, start, stop, tail, wait_for

# A cron that will not fire while the test runs (29 February, 03:00): runs come from the API.
CRON, ZONE = "0 3 29 2 *", "Europe/Berlin"
DONE = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@pytest.fixture
def served(tmp_path: Path, prefect_server: Server) -> Iterator[tuple[Server, Path]]:
    """`shortage-radar serve` on a small sample folder; yields the server and the warehouse."""
    from shortage_radar.sample_data import SampleSpec, write_feeds

    landing, wh = tmp_path / "landing", tmp_path / "wh"
    write_feeds(landing, SampleSpec(skus=4, locations=1, days=120))
    env = {
        **prefect_server.env,
        "SHORTAGE_RADAR_SCHEDULE__CRON": CRON,
        "SHORTAGE_RADAR_SCHEDULE__TIMEZONE": ZONE,
    }
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "shortage_radar.cli", "serve", "--data", str(landing)]
    serve = start([*cmd, "--warehouse", str(wh)], env, log)
    try:
        yield prefect_server, wh
    finally:
        stop(serve)
        print("serve log:\n" + tail(log, 80))  # shown by pytest when the test failed


@pytest.mark.slow
def test_serve_registers_the_schedule_and_a_triggered_run_publishes(
    served: tuple[Server, Path],
) -> None:
    server, wh = served
    log = server.log.parent / "serve.log"
    dep = wait_for(
        "the deployment to appear",
        lambda: api(f"{server.url}/deployments/name/shortage-radar-scheduled/daily"),
        180,
        log,
    )
    assert isinstance(dep, dict)
    assert [s["schedule"] for s in dep["schedules"]] == [
        {"cron": CRON, "timezone": ZONE, "day_or": True}
    ]
    assert dep["global_concurrency_limit"]["limit"] == 1  # one run at a time
    assert dep["parameters"]["warehouse_dir"] == str(wh.resolve())

    run = api(f"{server.url}/deployments/{dep['id']}/create_flow_run", {})
    assert isinstance(run, dict)

    def finished() -> dict[str, object] | None:
        r = api(f"{server.url}/flow_runs/{run['id']}")
        assert isinstance(r, dict)
        return r if r["state_type"] in DONE else None

    # Generous: the machine is shared and slow; a run here takes about a minute.
    state = wait_for("the triggered run to finish", finished, 480, log)
    assert isinstance(state, dict)
    assert state["state_type"] == "COMPLETED", tail(log, 80)
    with duckdb.connect(str(wh / "analytics.duckdb"), read_only=True) as adb:
        assert adb.execute("SELECT count(*), min(status) FROM runs").fetchall() == [
            (1, "succeeded")
        ]
        for table in ("sales", "forecasts", "stock_projection", "reorder_suggestions"):
            (n,) = adb.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            assert n > 0, table

    def summary_logged() -> bool:
        logs = api(f"{server.url}/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}})
        assert isinstance(logs, list)
        return any(x["message"].startswith("run 1 for as-of ") for x in logs)

    wait_for("the run's summary in its Prefect log", summary_logged, 60, log)


def test_serve_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    p = subprocess.run(
        [sys.executable, "-m", "shortage_radar.cli", "serve", "--data", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 1
    assert "PREFECT_API_URL is not set: start one with `prefect server start`" in p.stderr
    assert "Traceback" not in p.stderr
