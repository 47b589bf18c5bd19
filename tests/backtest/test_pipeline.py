"""Our pipeline in a replay: the staged feeds it is handed."""

from __future__ import annotations

from datetime import date

import duckdb

from shortage_radar.backtest.pipeline import on_the_grid


def _staged() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute(
        "CREATE TABLE staging.purchase_orders (po_id VARCHAR, order_date DATE, received_date DATE)"
    )
    con.execute(
        "INSERT INTO staging.purchase_orders VALUES ('fast', '2000-01-20', '2000-02-10'), "
        "('two', '2000-01-20', '2000-03-20'), ('same day', '2000-01-20', '2000-01-20'), "
        "('open', '2000-01-20', NULL)"
    )
    con.execute("CREATE TABLE staging.supplier_items (supplier_id VARCHAR, lead_time_days DOUBLE)")
    con.execute("INSERT INTO staging.supplier_items VALUES ('a', 45), ('b', 60), ('c', 1)")
    return con


def test_monthly_lead_times_take_whole_months_as_the_replay_does() -> None:
    con = _staged()
    on_the_grid(con, "M")
    got = dict(con.sql("SELECT po_id, received_date FROM staging.purchase_orders").fetchall())
    # 21 days -> 1 period (30 days); 60 days -> exactly 2 periods; 0 stays 0; open stays open
    assert got == {
        "fast": date(2000, 2, 19),
        "two": date(2000, 3, 20),
        "same day": date(2000, 1, 20),
        "open": None,
    }
    quoted = con.sql("SELECT lead_time_days FROM staging.supplier_items ORDER BY 1").fetchall()
    assert [q for (q,) in quoted] == [30.0, 60.0, 60.0]


def test_a_daily_replay_keeps_the_days() -> None:
    con = _staged()
    on_the_grid(con, "D")
    got = con.sql(
        "SELECT date_diff('day', order_date, received_date) FROM staging.purchase_orders "
        "WHERE po_id = 'fast'"
    ).fetchall()
    assert got == [(21,)]
