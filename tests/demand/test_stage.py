"""The demand stage writes core.demand and core.demand_classes from what was loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from conftest import ITEMS, load, write
from shortage_radar.demand.stage import build_demand
from shortage_radar.settings import load_settings


def test_core_tables_from_staged_feeds(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing, "items.csv", ITEMS)
    write(
        landing,
        "sales.csv",
        "date,sku,quantity,stockout\n2026-05-01,A,4,\n2026-05-03,A,2,\n"
        "2026-05-02,B,1,true\n2026-05-04,B,9,\n",
    )
    load(con, landing, as_of=date(2026, 5, 5))
    # as of 4 May: the sale of the 4th is not known yet
    assert build_demand(con, load_settings(), date(2026, 5, 4)) == 2
    rows = con.execute(
        "SELECT unique_id, ds, y, censored FROM core.demand ORDER BY unique_id, ds"
    ).fetchall()
    assert rows == [
        ("A@main", date(2026, 5, 1), 4.0, False),
        ("A@main", date(2026, 5, 2), 0.0, False),
        ("A@main", date(2026, 5, 3), 2.0, False),
        ("B@main", date(2026, 5, 2), 1.0, True),  # sold 1, then ran out: censored
        ("B@main", date(2026, 5, 3), 0.0, False),
    ]
    classes = con.execute("SELECT sku, demand_class FROM core.demand_classes ORDER BY 1")
    assert classes.fetchall() == [("A", "new"), ("B", "new")]


def test_an_empty_warehouse_gives_empty_tables(con: duckdb.DuckDBPyConnection) -> None:
    assert build_demand(con, load_settings(), date(2026, 5, 4)) == 0
    assert con.execute("SELECT count(*) FROM core.demand_classes").fetchall() == [(0,)]
