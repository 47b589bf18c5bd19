"""The daily flow against a real Prefect server on loopback (not the ephemeral one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ITEMS, write
from servers import Server, api


@pytest.mark.slow
def test_run_reports_to_a_prefect_server(
    tmp_path: Path, landing: Path, prefect_server: Server
) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "shortage_radar.cli",
            "run",
            "--data",
            str(landing),
            "--warehouse",
            str(tmp_path / "wh"),
        ],
        env=prefect_server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert "Starting temporary server" not in p.stdout + p.stderr
    runs = api(f"{prefect_server.url}/flow_runs/filter", {})
    assert isinstance(runs, list)
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
