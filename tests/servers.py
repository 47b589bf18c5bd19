"""Processes a test starts and stops (a Prefect server, `serve`), and the Prefect REST API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
PREFECT = str(Path(sys.executable).parent / "prefect")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api(url: str, body: dict[str, object] | None = None, tries: int = 10) -> object:
    """GET `url`, or POST `body` to it, as JSON. A 503 (the server's SQLite busy under load)
    is retried, a second apart, up to `tries` times."""
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(tries):
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code != 503 or attempt == tries - 1:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def tail(path: Path, n: int = 40) -> str:
    """The last lines of a process's log, for an assertion message."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A process in its own process group (so stop() reaches its children), output to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(p: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group; after 30 s, SIGKILL to whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        p.wait(timeout=30)
    # The leader if it is still there, and any child it left behind.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=10)


def wait_for(what: str, check: Callable[[], T | None], seconds: float, log: Path) -> T:
    """Call `check` every second until it returns something truthy (errors count as not yet)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            got = check()
            if got:
                return got
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{what}: not after {seconds:.0f} s\n{tail(log)}"
        time.sleep(1)


@dataclass
class Server:
    url: str  # the API, http://127.0.0.1:<port>/api
    env: dict[str, str]  # the environment of a client of this server
    log: Path
