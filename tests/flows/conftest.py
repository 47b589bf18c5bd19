"""A real Prefect server on a free loopback port, with its own home, stopped whatever happens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import PREFECT, Server, api, free_port, start, stop, wait_for


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[Server]:
    """`prefect server start` on SQLite in tmp_path, ready to answer; stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = tmp_path / "prefect-server.log"
    server = start(
        [
            PREFECT,
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ui",
            "--no-services",  # the scheduler and its kin: not needed to run a deployment now
            "--analytics-off",
        ],
        env,
        log,
    )
    try:
        wait_for("the Prefect server to answer", lambda: api(f"{url}/health"), 120, log)
        yield Server(url, {**env, "PREFECT_API_URL": url}, log)
    finally:
        stop(server)
