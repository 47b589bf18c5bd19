"""The report folder: the page and its exports, where the settings say, replaced on a re-run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from report.tiny_warehouse import AS_OF
from shortage_radar.report.build import EXPORTS, PAGE, write_report
from shortage_radar.settings import load_settings


def test_report_folder_under_the_warehouse_by_default(
    tiny: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    settings = load_settings(warehouse_dir=tmp_path / "wh")
    page, data = write_report(tiny, settings, AS_OF)
    folder = tmp_path / "wh" / "reports" / "2026-06-01"
    assert page == (folder / PAGE).resolve()
    assert sorted(p.name for p in folder.iterdir()) == sorted([PAGE, *EXPORTS.values()])
    assert data.warnings.height == 2
    for name in EXPORTS.values():  # the page links each export beside it
        assert f'href="{name}"' in page.read_text()


def test_report_dir_setting_and_a_rerun_replaces_the_files(
    tiny: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTAGE_RADAR_REPORT__DIR", str(tmp_path / "elsewhere"))
    settings = load_settings()
    page, _ = write_report(tiny, settings, AS_OF)
    assert page.parent == (tmp_path / "elsewhere" / "2026-06-01").resolve()
    tiny.execute("DELETE FROM core.customer_order_eta WHERE order_id = 'SO2'")
    write_report(tiny, settings, AS_OF)
    assert "SO2" not in (page.parent / "customer_orders_at_risk.csv").read_text()
    assert not [p for p in page.parent.iterdir() if p.name.startswith(".")]  # no temp files left
