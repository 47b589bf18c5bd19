"""The analysts' docs name every column the run publishes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from shortage_radar.demand.stage import build_demand
from shortage_radar.forecast.stage import build_forecasts
from shortage_radar.settings import load_settings
from shortage_radar.supply.stage import build_supply
from shortage_radar.warehouse.publish import ANALYTICS, analyst_views, publish, published_tables

DOC = (Path(__file__).parents[1] / "docs" / "warehouse.md").read_text()


def test_every_published_table_and_column_is_documented(con: duckdb.DuckDBPyConnection) -> None:
    settings = load_settings()
    build_demand(con, settings, date(2026, 6, 1))  # the core tables exist after a run
    build_forecasts(con, settings, date(2026, 6, 1))
    build_supply(con, settings, date(2026, 6, 1))
    words = set(re.findall(r"[a-z_0-9]+", DOC))
    for name, query in published_tables(1, date(2026, 6, 1)).items():
        assert f"## {name}" in DOC or f"| {name} |" in DOC, f"table {name} undocumented"
        cols = [r[0] for r in con.execute(f"DESCRIBE {query}").fetchall()]
        missing = [c for c in cols if c not in words]
        assert not missing, f"{name}: columns not in docs/warehouse.md: {missing}"


def test_every_view_and_its_columns_are_documented(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    settings = load_settings()
    build_demand(con, settings, date(2026, 6, 1))
    build_forecasts(con, settings, date(2026, 6, 1))
    build_supply(con, settings, date(2026, 6, 1))
    tables = published_tables(1, date(2026, 6, 1))
    publish(con, tmp_path, 1, tables, keep=5, views=analyst_views("D"))
    words = set(re.findall(r"[a-z_0-9]+", DOC))
    with duckdb.connect(str(tmp_path / ANALYTICS), read_only=True) as adb:
        views = adb.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        for (name,) in views:
            if name in tables:
                continue  # the test above
            assert f"# {name}" in DOC or f"`{name}`" in DOC, f"view {name} undocumented"
            cols = [r[0] for r in adb.execute(f"DESCRIBE {name}").fetchall()]
            missing = [c for c in cols if c not in words]
            assert not missing, f"{name}: columns not in docs/warehouse.md: {missing}"
