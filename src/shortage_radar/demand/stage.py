"""The demand stage: staged sales and stock -> core.demand (series) and core.demand_classes."""

from __future__ import annotations

from datetime import date

import duckdb

from shortage_radar.demand.classify import classify
from shortage_radar.demand.series import demand_series
from shortage_radar.settings import Settings
from shortage_radar.warehouse import db


def build_demand(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> int:
    """Rebuild core.demand and core.demand_classes for `as_of` in one transaction; the series count.

    Only what was known before `as_of` is read, so re-running an earlier date gives that
    date's series, whatever was loaded since.
    """
    sales = con.sql(
        "SELECT date, sku, location, quantity, stockout FROM staging.sales WHERE date < ?",
        params=[as_of],
    ).pl()
    stock = con.sql(
        "SELECT date, sku, location, on_hand FROM staging.inventory WHERE date < ?",
        params=[as_of],
    ).pl()
    items = con.sql("SELECT sku, unit_cost, unit_price FROM staging.items").pl()
    series = demand_series(sales.lazy(), stock.lazy(), freq=settings.freq, as_of=as_of)
    classes = classify(series, items, settings.classify, as_of=as_of)
    with db.transaction(con):
        db.replace_core(con, {"demand": series, "demand_classes": classes})
    return classes.height
