"""Our pipeline in a replay: the staged feeds it is handed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from shortage_radar.backtest.inventory import Stock
from shortage_radar.backtest.pipeline import _write_state, on_the_grid
from shortage_radar.backtest.world import World
from shortage_radar.warehouse import db


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


def test_each_review_writes_every_count_so_far_as_it_was_then(tmp_path: Path) -> None:
    # replays in lockstep share staging, so each review writes its replay's whole history of
    # counts: an earlier count stays what the stock was then, however the stock moved since
    con = duckdb.connect(tmp_path / "w.duckdb")
    db.create_schema(con)
    pending = pl.DataFrame(
        schema={
            "po_id": pl.String,
            "sku": pl.String,
            "location": pl.String,
            "supplier_id": pl.String,
            "quantity": pl.Float64,
            "order_date": pl.Date,
            "promised_date": pl.Date,
            "arrives": pl.Date,
            "units": pl.Float64,
        }
    )
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(4)]
    world = World(
        series=pl.DataFrame({"unique_id": ["A@x"], "sku": ["A"], "location": ["x"]}),
        periods=days,
        history=0,
        demand=np.zeros((1, 4)),
        leads={},
        known_leads={},
        quoted={},
        start_on_hand=np.array([5.0]),
        pending=pending,
        freq="D",
        seed=0,
    )
    keys = world.series.select("sku", "location").with_row_index("i")
    stock = Stock(on_hand=np.array([5.0]), backlog=np.zeros(1), due=np.zeros((1, 5)), placed=[])
    counts: list[pl.DataFrame] = []
    _write_state(con, world, keys, stock, {}, days[1], counts)
    stock.on_hand -= 2  # as the replay serves demand: in place
    _write_state(con, world, keys, stock, {}, days[2], counts)
    got = con.sql("SELECT date, on_hand FROM staging.inventory ORDER BY date").fetchall()
    assert got == [(days[0], 5.0), (days[1], 3.0)]
