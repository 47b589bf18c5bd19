"""Creating the warehouse: layers, raw views, older warehouses' raw tables, scratch copies."""

from __future__ import annotations

from pathlib import Path

from shortage_radar.settings import DuckDBSettings
from shortage_radar.warehouse import db


def test_raw_tables_of_an_older_warehouse_become_load_files(tmp_path: Path) -> None:
    with db.connect(tmp_path / "warehouse.duckdb", DuckDBSettings()) as con:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA meta")
        con.execute(db.META_DDL)
        con.execute(
            "INSERT INTO meta.load_ledger (load_id, feed, status) VALUES (4, 'items', 'loaded')"
        )
        con.execute(
            "CREATE TABLE raw.items AS SELECT 4::BIGINT AS load_id, 1::BIGINT AS row_number, "
            "'A' AS sku, NULL::VARCHAR AS description, NULL::VARCHAR AS extra_columns"
        )
        db.create_schema(con)
        assert con.execute("SELECT load_id, sku FROM raw.items").fetchall() == [(4, "A")]
    assert (tmp_path / "raw" / "items" / "load-000004.parquet").exists()


def test_every_layer_exists_and_raw_is_empty_at_first(tmp_path: Path) -> None:
    with db.connect(tmp_path / "warehouse.duckdb", DuckDBSettings()) as con:
        db.create_schema(con)
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
        assert set(db.LAYERS) <= schemas
        assert con.execute("SELECT count(*) FROM raw.sales").fetchall() == [(0,)]


def test_work_on_a_scratch_copy_leaves_the_warehouse_as_it_was(tmp_path: Path) -> None:
    with db.connect(tmp_path / "warehouse.duckdb", DuckDBSettings()) as con:
        db.create_schema(con)
        con.execute("CREATE TABLE staging.t AS SELECT 1 AS x")
        try:
            with db.scratch(con, ("staging",)):
                assert con.execute("SELECT x FROM staging.t").fetchall() == [(1,)]
                con.execute("INSERT INTO staging.t VALUES (2)")
                con.execute("CREATE TABLE core.made AS SELECT 3 AS y")
                assert con.execute("SELECT count(*) FROM staging.t").fetchall() == [(2,)]
                raise RuntimeError("the replay failed")
        except RuntimeError:
            pass
        assert con.execute("SELECT x FROM staging.t").fetchall() == [(1,)]
        assert not db.table_exists(con, "core", "made")
        # and it can be made again
        with db.scratch(con, ("staging",)):
            assert con.execute("SELECT x FROM staging.t").fetchall() == [(1,)]
