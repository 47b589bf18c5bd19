"""The supply stage on a tiny warehouse: the hand-worked case through the whole pipeline."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import load, write
from shortage_radar.demand.stage import build_demand
from shortage_radar.forecast.stage import build_forecasts
from shortage_radar.settings import load_settings
from shortage_radar.supply.stage import build_supply

AS_OF = date(2026, 6, 1)


def _day(n: int) -> date:
    return AS_OF + timedelta(days=n)


@pytest.fixture
def warehouse(con: duckdb.DuckDBPyConnection, landing: Path) -> duckdb.DuckDBPyConnection:
    """A sells 10 a day; 100 on hand last night; 50 on a PO promised for day 5 (index 4) from
    a supplier whose 6 past deliveries all came on the promised day, 14 days after the order;
    an open customer order of 30 was due 2 days ago, another of 40 is due on day 21."""
    write(landing, "items.csv", "sku,category,unit_price\nA,bolts,3\nB,nuts,1\n")
    write(
        landing,
        "sales.csv",
        "date,sku,quantity\n" + "".join(f"{_day(-d)},A,10\n" for d in range(1, 201)),
    )
    write(landing, "inventory.csv", f"date,sku,on_hand\n{_day(-1)},A,100\n{_day(-1)},B,5\n")
    history = "".join(
        f"H{i},A,S1,20,{_day(-90 + 7 * i)},{_day(-76 + 7 * i)},{_day(-76 + 7 * i)},20,received\n"
        for i in range(6)
    )
    write(
        landing,
        "purchase_orders.csv",
        "po_id,sku,supplier_id,quantity,order_date,promised_date,received_date,received_quantity,status\n"
        + history
        + f"OPEN,A,S1,50,{_day(-3)},{_day(4)},,,open\n",
    )
    write(
        landing,
        "supplier_items.csv",
        "supplier_id,sku,lead_time_days,moq,pack_size,priority\nS1,A,14,0,1,1\n",
    )
    write(
        landing,
        "customer_orders.csv",
        "order_id,sku,quantity,order_date,requested_date,status\n"
        f"C1,A,30,{_day(-10)},{_day(-2)},open\nC2,A,40,{_day(-1)},{_day(20)},open\n"
        f"N1,B,3,{_day(-1)},{_day(2)},open\nN2,B,10,{_day(-1)},{_day(3)},open\n",
    )
    load(con, landing, as_of=AS_OF)
    settings = load_settings()
    build_demand(con, settings, AS_OF)
    build_forecasts(con, settings, AS_OF)
    build_supply(con, settings, AS_OF)
    return con


def test_the_po_arrives_on_its_promised_day(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        "SELECT ds, inbound_quantity FROM core.stock_projection WHERE inbound_quantity > 0"
    ).fetchall()
    assert rows == [(_day(4), 50.0)]  # the supplier never slipped: slip 0 on every path


def test_stock_runs_out_when_the_hand_worked_case_says(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # 100 on hand - 30 past due + 50 on day 5 = 120 at 10 a day: empty at the end of day 12
    # (index 11); demand is Poisson around 10, so allow a day either side
    (when,) = warehouse.execute(
        "SELECT expected_stockout_date FROM core.stock_risk"
    ).fetchone() or (None,)
    assert when is not None and abs((when - _day(11)).days) <= 1
    (first_day,) = warehouse.execute(
        "SELECT expected_on_hand FROM core.stock_projection ORDER BY ds LIMIT 1"
    ).fetchone() or (None,)
    assert first_day == pytest.approx(100 - 30 - 10, abs=3)  # mean of Poisson(10), 1000 paths


def test_the_warning_says_why_and_the_late_order_is_late(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # an order placed today arrives on day 15 (index 14), after the stock-out of day 12:
    # about 140 + 30 - 150 = 20 units are owed by then on most paths
    rows = warehouse.execute(
        "SELECT risk_rank, severity, status, stockout_probability, expected_units_short, "
        "reasons, affected_customer_orders FROM core.shortage_warnings WHERE sku = 'A'"
    ).fetchall()
    assert len(rows) == 1
    rank, severity, status, p, short, reasons, affected = rows[0]
    # unserved demand by then unless 14 days of Poisson(10) stay within 120 units:
    # P(Poisson(140) > 120) = 0.95 (scipy.stats.poisson.sf(120, 140)); 1,000 paths
    assert (rank, severity, status) == (1, "critical", "new")
    assert p == pytest.approx(0.95, abs=0.03)
    assert short == pytest.approx(20, abs=5)
    assert "backorders_open" in reasons
    eta = dict(
        warehouse.execute(
            "SELECT order_id, status FROM core.customer_order_eta WHERE sku = 'A'"
        ).fetchall()
    )
    # C1 is past due: late. C2 (40 on day 21) is a promise: booked orders are served before
    # forecast demand, and 100 + 50 covers 30 + 40, so it is on time
    assert eta == {"C1": "late", "C2": "on_time"}
    assert affected == 1


def test_a_sku_never_sold_still_gets_its_orders_an_eta(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # B has 5 on hand and no sales history: N1 (3 on day 3) ships on its day; N2 (10 more)
    # has no supply in sight, so no ship date, and it is late; B is warned of the 8 units short
    rows = warehouse.execute(
        "SELECT order_id, projected_ship_date, status FROM core.customer_order_eta "
        "WHERE sku = 'B' ORDER BY order_id"
    ).fetchall()
    assert rows == [("N1", _day(2), "on_time"), ("N2", None, "late")]
    short = warehouse.execute(
        "SELECT expected_units_short, reasons FROM core.shortage_warnings WHERE sku = 'B'"
    ).fetchall()
    assert short == [(8.0, ["no_open_supply"])]
