"""The daily flow against a real Prefect server on loopback (not the ephemeral one)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ITEMS, write


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api(url: str, body: dict[str, object] | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


@pytest.mark.slow
def test_run_reports_to_a_prefect_server(tmp_path: Path, landing: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": url}
    server = subprocess.Popen(
        [
            Path(sys.executable).parent / "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ui",
            "--no-services",
            "--analytics-off",
        ],
        env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                api(f"{url}/health")
                break
            except OSError:
                assert time.monotonic() < deadline, "the Prefect server did not start in 120 s"
                time.sleep(0.5)
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
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert p.returncode == 0, p.stderr
        assert "Starting temporary server" not in p.stdout + p.stderr
        runs = api(f"{url}/flow_runs/filter", {})
        assert isinstance(runs, list)
        assert [r["state_type"] for r in runs] == ["COMPLETED"]
    finally:
        server.terminate()
        server.wait(timeout=30)
