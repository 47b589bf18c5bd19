"""The forecast stage end to end on tiny warehouses: censoring, new and idle series, reuse."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import load, write
from shortage_radar.demand.stage import build_demand
from shortage_radar.forecast.engine import Engine
from shortage_radar.forecast.predict import KeptModels, forecast, plan
from shortage_radar.forecast.stage import build_forecasts
from shortage_radar.settings import load_settings

AS_OF = date(2026, 6, 1)
ITEMS = (
    "sku,description,category,unit_cost,unit_price\n"
    "STEADY,Bolt,bolts,1,2\nWASOUT,Bolt,bolts,1,2\nFRESH,Bolt,bolts,1,2\nIDLE,Nut,nuts,1,2\n"
)


def _sales(days: int = 200) -> str:
    """STEADY sells 10 a day; WASOUT too, but was out of stock (0 sold) its last 14 days;
    FRESH began 3 days ago selling 2, 4, 6; IDLE sold 5 once, 300 days ago."""
    rows = ["date,sku,quantity,stockout"]
    for d in range(days, 0, -1):
        day = AS_OF - timedelta(days=d)
        rows.append(f"{day},STEADY,10,")
        rows.append(f"{day},WASOUT,0,true" if d <= 14 else f"{day},WASOUT,10,")
    rows += [f"{AS_OF - timedelta(days=d)},FRESH,{q}," for d, q in ((3, 2), (2, 4), (1, 6))]
    rows.append(f"{AS_OF - timedelta(days=300)},IDLE,5,")
    return "\n".join(rows) + "\n"


@pytest.fixture
def warehouse(con: duckdb.DuckDBPyConnection, landing: Path) -> duckdb.DuckDBPyConnection:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", _sales())
    load(con, landing, as_of=AS_OF)
    build_demand(con, load_settings(), AS_OF)
    return con


def _means(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute("SELECT sku, avg(mean) FROM core.forecasts GROUP BY sku").fetchall()
    return {sku: mean for sku, mean in rows}


def test_a_stock_out_does_not_lower_the_forecast(warehouse: duckdb.DuckDBPyConnection) -> None:
    build_forecasts(warehouse, load_settings(), AS_OF)
    means = _means(warehouse)
    assert means["STEADY"] == pytest.approx(10.0, abs=0.01)
    # the 14 days at 0 were censored and imputed at 10, so WASOUT forecasts as STEADY does
    assert means["WASOUT"] >= means["STEADY"] - 0.01


def test_a_three_day_old_sku_gets_its_rate_blended_with_its_category(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    build_forecasts(warehouse, load_settings(), AS_OF)
    # own rate (2 + 4 + 6) / 3 = 4 over n = 3 days; category "bolts": STEADY and WASOUT at 10
    # (WASOUT's last 28 days: 14 at 10 and 14 imputed at 10); prior 14 days:
    # (3 * 4 + 14 * 10) / (3 + 14) = 152 / 17
    assert _means(warehouse)["FRESH"] == pytest.approx(152 / 17)
    model = warehouse.execute("SELECT model, status FROM core.forecast_models WHERE sku = 'FRESH'")
    assert model.fetchall() == [("NewRate", "new")]


def test_an_inactive_sku_forecasts_zero(warehouse: duckdb.DuckDBPyConnection) -> None:
    build_forecasts(warehouse, load_settings(), AS_OF)
    q = warehouse.execute("SELECT max(mean), max(q95) FROM core.forecasts WHERE sku = 'IDLE'")
    assert q.fetchall() == [(0.0, 0.0)]


def test_every_series_gets_horizon_rows_with_ordered_quantiles(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    settings = load_settings()
    build_forecasts(warehouse, settings, AS_OF)
    f = warehouse.sql("SELECT * FROM core.forecasts").pl()
    assert f.group_by("sku").len()["len"].to_list() == [settings.horizon] * 4
    assert f["ds"].min() == AS_OF  # daily: the first period forecast is the as-of day
    assert f.filter(
        (pl.col("q50") < 0) | (pl.col("q80") < pl.col("q50")) | (pl.col("q95") < pl.col("q80"))
    ).is_empty()


def test_selection_is_reused_until_due(warehouse: duckdb.DuckDBPyConnection) -> None:
    settings = load_settings()  # reselect_days = 7
    assert build_forecasts(warehouse, settings, AS_OF).reselected
    assert not build_forecasts(warehouse, settings, AS_OF + timedelta(days=6)).reselected
    assert build_forecasts(warehouse, settings, AS_OF + timedelta(days=7)).reselected
    # a re-run of an earlier date must not use a choice made with later data
    assert build_forecasts(warehouse, settings, AS_OF - timedelta(days=1)).reselected


class _Failing(Engine):
    """An engine whose model fails on every group holding the series `bad`."""

    def forecast(self, df: pl.DataFrame, models: list[object], h: int) -> pl.DataFrame:
        if "bad" in df["unique_id"].to_list():
            raise RuntimeError("no convergence")
        return super().forecast(df, models, h)


def test_a_series_whose_model_fails_falls_back_and_is_counted() -> None:
    settings = load_settings(horizon=3)
    days = pl.date_range(date(2026, 1, 1), date(2026, 1, 31), eager=True)
    fit = pl.DataFrame(
        {"unique_id": ["bad"] * 31 + ["good"] * 31, "ds": [*days, *days], "y": [2.0] * 62}
    ).with_columns(pl.when(pl.int_range(pl.len()) % 31 >= 3).then(pl.col("y")).otherwise(50.0))
    classes = pl.DataFrame({"unique_id": ["bad", "good"], "demand_class": ["smooth", "smooth"]})
    cats = pl.DataFrame(schema={"unique_id": pl.String, "category": pl.String})
    out = forecast(fit, plan(None, classes, settings), cats, settings, _Failing("D"))
    assert out.fallbacks == 1
    bad = out.rows.filter(pl.col("unique_id") == "bad")
    # the mean of the last 28 days: all 2 (the 50s were the first 3 days)
    assert bad["model"].unique().to_list() == ["fallback"]
    assert bad["mean"].to_list() == [2.0, 2.0, 2.0]
    assert out.rows.filter(pl.col("unique_id") == "good")["model"].unique().to_list() == ["AutoETS"]


def test_at_a_selection_kept_models_forecast_what_refits_do(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # a replay keeps the automatic models it fits at a selection (or the selection's own fits
    # on all the data): their forecasts are those of the daily refit of the pinned form
    settings = load_settings()
    build_forecasts(warehouse, settings, AS_OF)
    refit = warehouse.sql("SELECT * FROM core.forecasts ORDER BY unique_id, ds").pl()
    kept: KeptModels = {}
    build_forecasts(warehouse, settings, AS_OF, reselect=True, kept=kept)
    got = warehouse.sql("SELECT * FROM core.forecasts ORDER BY unique_id, ds").pl()
    assert got.equals(refit)
    models = warehouse.sql("SELECT unique_id, model FROM core.forecast_models").pl()
    auto = models.filter(pl.col("model").is_in(["AutoETS", "AutoTheta"]))
    # every series whose model is an automatic one alone is kept under it
    assert set(auto.select("model", "unique_id").iter_rows()) <= set(kept) and len(kept) > 0


def test_quantile_methods_are_kept_by_the_daily_runs(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    def methods() -> list[tuple[str, str, str]]:
        return warehouse.execute(
            "SELECT sku, status, quantile_method FROM core.forecast_models ORDER BY sku"
        ).fetchall()

    settings = load_settings()
    assert build_forecasts(warehouse, settings, AS_OF).reselected
    chosen = methods()
    assert ("IDLE", "inactive") in {(sku, status) for sku, status, _ in chosen}
    assert all(m in ("NegBin", "Empirical", "Mix") for _, _, m in chosen)
    assert not build_forecasts(warehouse, settings, AS_OF + timedelta(days=1)).reselected
    assert methods() == chosen
