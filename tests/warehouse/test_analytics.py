"""The published analytics.duckdb of two runs on the sample data: keys hold, views answer."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import load
from shortage_radar.demand.stage import build_demand
from shortage_radar.forecast.stage import build_forecasts
from shortage_radar.sample_data import SampleSpec, write_feeds
from shortage_radar.settings import DuckDBSettings, load_settings
from shortage_radar.supply.stage import build_supply
from shortage_radar.warehouse import db, runs
from shortage_radar.warehouse.publish import (
    ANALYTICS,
    HISTORY,
    KEYS,
    NULL_IN_KEY,
    analyst_views,
    publish,
    published_tables,
)

SPEC = SampleSpec(skus=24, locations=2, days=200, malformed=True)
FIRST = SPEC.end + timedelta(days=1)
AS_OFS = (FIRST, FIRST + timedelta(days=7), FIRST)  # the third run re-runs the first date


@pytest.fixture(scope="module")
def analytics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three good runs of the sample feeds published as a run publishes them."""
    root = tmp_path_factory.mktemp("analytics")
    write_feeds(root / "landing", SPEC)
    settings = load_settings()
    with db.connect(root / "wh" / "warehouse.duckdb", DuckDBSettings()) as con:
        db.create_schema(con)
        for as_of in AS_OFS:
            run_id = runs.start_run(con, as_of, root / "landing", settings.model_dump_json())
            load(con, root / "landing", as_of=as_of, run_id=run_id)
            build_demand(con, settings, as_of)
            build_forecasts(con, settings, as_of)
            build_supply(con, settings, as_of)
            runs.finish_run(con, run_id, "succeeded")
            tables = published_tables(run_id, as_of)
            publish(con, root / "wh", run_id, tables, keep=5, views=analyst_views("D"))
    return root / "wh" / ANALYTICS


def relations(adb: duckdb.DuckDBPyConnection) -> set[str]:
    views = adb.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    return {r[0] for r in views}


@pytest.mark.slow
def test_every_published_table_and_view_has_a_declared_key(analytics: Path) -> None:
    with duckdb.connect(str(analytics), read_only=True) as adb:
        assert relations(adb) == set(KEYS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(k for k, v in KEYS.items() if v))
def test_key_is_unique_and_not_null(analytics: Path, name: str) -> None:
    key = KEYS[name]
    with duckdb.connect(str(analytics), read_only=True) as adb:
        ((rows,),) = adb.execute(f"SELECT count(*) FROM {name}").fetchall()
        dupes = adb.execute(
            f"SELECT {', '.join(key)}, count(*) FROM {name} GROUP BY ALL HAVING count(*) > 1 "
            "LIMIT 3"
        ).fetchall()
        nulls = {
            c: adb.execute(f"SELECT count(*) FROM {name} WHERE {c} IS NULL").fetchall()[0][0]
            for c in key
            if c not in NULL_IN_KEY.get(name, ())
        }
    assert rows > 0 or name in ("quarantine",), f"{name} is empty: the check proves nothing"
    assert dupes == [], f"{name}: duplicate keys {dupes}"
    assert set(nulls.values()) <= {0}, f"{name}: null key columns {nulls}"


@pytest.mark.slow
def test_history_shows_each_as_of_once_from_its_newest_run(analytics: Path) -> None:
    with duckdb.connect(str(analytics), read_only=True) as adb:
        for name in HISTORY:
            got = adb.execute(f"SELECT DISTINCT as_of, run_id FROM {name} ORDER BY 1").fetchall()
            assert got == [(AS_OFS[0], 3), (AS_OFS[1], 2)], name


@pytest.mark.slow
def test_forecast_vs_actual_sums_the_sales_of_past_periods(analytics: Path) -> None:
    with duckdb.connect(str(analytics), read_only=True) as adb:
        rows = adb.execute(
            "SELECT as_of, ds, days_ahead, actual FROM forecast_vs_actual "
            "WHERE sku = 'SKU-00001' AND location = 'main' ORDER BY ds"
        ).fetchall()
        (sold,) = adb.execute(
            "SELECT coalesce(sum(quantity), 0) FROM sales "
            "WHERE sku = 'SKU-00001' AND location = 'main' AND date = ?",
            [AS_OFS[0]],
        ).fetchall()[0]
    # the first as-of's forecast of its first 7 days; the data of the second run ends with
    # the sample's last day (before FIRST), so no actual sales came: 0 each
    assert [r[:3] for r in rows] == [
        (AS_OFS[0], AS_OFS[0] + timedelta(days=d), d) for d in range(7)
    ]
    assert [r[3] for r in rows] == [sold] + [0.0] * 6
    assert isinstance(rows[0][0], date)
