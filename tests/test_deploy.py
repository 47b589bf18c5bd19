"""The systemd units the README shows are the ones in deploy/systemd/, and they fit `serve`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def settings_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_readme_shows_the_unit_as_it_is(unit: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    shown = re.search(rf"`deploy/systemd/{unit.name}`:\n\n```ini\n(.*?)```", readme, re.S)
    assert shown, f"README does not show {unit.name}"
    assert settings_lines(shown.group(1)) == settings_lines(unit.read_text())


def test_serve_unit_talks_to_the_server_unit_on_loopback() -> None:
    server = (ROOT / "deploy/systemd/prefect-server.service").read_text()
    serve = (ROOT / "deploy/systemd/shortage-radar.service").read_text()
    assert "--host 127.0.0.1 --port 4200" in server
    assert "PREFECT_API_URL=http://127.0.0.1:4200/api" in serve
    assert "shortage-radar serve" in serve
