"""The report in a real headless Chromium, driven over the DevTools protocol.

Debian's `chromium` package; .ci/run installs it. Where it is missing the test is skipped,
except in CI (CI set, or SHORTAGE_RADAR_REQUIRE_CHROMIUM=1), where it fails: the report
must be seen rendering there. The screenshot goes to test-artifacts/ at the project root.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from websockets.sync.client import ClientConnection, connect

from report.tiny_warehouse import AS_OF, EVIL_DESCRIPTION
from shortage_radar.report.build import write_report
from shortage_radar.settings import PROJECT_ROOT, load_settings

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WAIT = 60.0  # seconds a browser step may take before the test gives up (not an assertion)


def _required() -> bool:
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false")
    return ci or os.environ.get("SHORTAGE_RADAR_REQUIRE_CHROMIUM") == "1"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "no chromium or chromium-browser on PATH (Debian: apt-get install chromium)"
    if _required():
        pytest.fail(f"{message}; CI requires it: .ci/run installs it")
    pytest.skip(f"{message}; skipped outside CI")


class Page:
    """One browser tab over the DevTools protocol: commands, and every event seen."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        deadline = time.monotonic() + WAIT
        while True:
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if msg.get("id") == self._id:
                assert "error" not in msg, f"{method}: {msg['error']}"
                return msg.get("result", {})  # type: ignore[no-any-return]
            self.events.append(msg)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + WAIT
        while not any(e.get("method") == method for e in self.events):
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            self.events.append(msg)

    def value(self, expression: str) -> Any:
        got = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in got, got
        return got["result"].get("value")


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    exe = _chromium()
    profile = tmp_path / "profile"
    proc = subprocess.Popen(
        [
            exe,
            "--headless",
            "--no-sandbox",  # root in a container has no user namespace for the sandbox
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium gave no DevTools port"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=WAIT) as r:
            targets = json.loads(r.read())
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        with connect(url, max_size=None, open_timeout=WAIT) as ws:
            yield Page(ws)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_report_renders_in_chromium_with_no_request_and_no_error(
    tiny: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    page: Page,
    record_property: Any,
) -> None:
    report, _ = write_report(tiny, load_settings(warehouse_dir=tmp_path / "wh"), AS_OF)
    for domain in ("Page", "Runtime", "Log", "Network"):
        page.send(f"{domain}.enable")
    page.send(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    page.send("Page.navigate", url=report.as_uri())
    page.wait_for("Page.loadEventFired")

    requests = [
        e["params"]["request"]["url"]
        for e in page.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests == [report.as_uri()]  # the file itself, nothing else
    errors = [
        e
        for e in page.events
        if e.get("method") in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert errors == []  # no console error, and the description's alert() never ran

    size = "(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    width, height = page.value(f"{size}(document.querySelector('table#warnings'))")
    assert width > 0 and height > 0
    assert page.value("document.querySelectorAll('table#warnings tbody tr').length") == 2
    assert page.value("document.querySelectorAll('svg.chart').length") >= 1
    width, height = page.value(f"{size}(document.querySelector('svg.chart'))")
    assert width > 0 and height > 0
    assert EVIL_DESCRIPTION in page.value("document.body.innerText")  # shown as text

    shot = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report-chromium.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    record_property("screenshot", str(path))
    print(f"screenshot of the report: {path}")
