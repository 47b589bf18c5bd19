"""A whole backtest on a small generated history: both policies run and nothing leaks ahead."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from conftest import load
from shortage_radar.backtest.inventory import replay
from shortage_radar.backtest.report import page
from shortage_radar.backtest.run import _curve_points, run_backtest
from shortage_radar.sample_data import SampleSpec, write_feeds
from shortage_radar.settings import DuckDBSettings, Settings
from shortage_radar.warehouse import db

END = date(2026, 6, 30)
START, LAST = date(2026, 5, 4), date(2026, 5, 18)  # reviews on 5-04, 5-11, 5-18


def _warehouse(
    tmp_path: Path, name: str, bump_after: date | None = None
) -> duckdb.DuckDBPyConnection:
    land = tmp_path / name / "land"
    write_feeds(land, SampleSpec(skus=4, locations=1, days=300, end=END))
    con = db.connect(tmp_path / name / "wh" / "warehouse.duckdb", DuckDBSettings())
    db.create_schema(con)
    load(con, land, as_of=END + timedelta(days=1))
    if bump_after is not None:  # the future changes: five times the sales after that day
        con.execute(
            "UPDATE staging.sales SET quantity = quantity * 5 WHERE date >= ?", [bump_after]
        )
    return con


@pytest.mark.slow
def test_a_review_decides_the_same_whatever_happens_after_it(tmp_path: Path) -> None:
    settings = Settings(warehouse_dir=tmp_path / "wh", backtest={"curve_levels": []})
    base = run_backtest(_warehouse(tmp_path, "a"), settings, START, LAST, 7)
    changed = run_backtest(
        _warehouse(tmp_path, "b", bump_after=date(2026, 5, 11)), settings, START, LAST, 7
    )
    for method in ("ours", "min_max", "textbook"):
        a, b = (
            x.tables["backtest_ledger"].filter(method=method).sort("unique_id", "ds")
            for x in (base, changed)
        )
        # the first review (5-04) and everything up to the day before the change are the
        # same...
        before = a["ds"] < date(2026, 5, 11)
        assert a.filter(before).equals(b.filter(before)), method
        # ...and so is the order placed at the second review (5-11), made before its sales
        assert (
            a.filter(ds=date(2026, 5, 11))["ordered"].to_list()
            == b.filter(ds=date(2026, 5, 11))["ordered"].to_list()
        ), method
        # the change is real: demand after it differs
        assert a["demand"].sum() < b["demand"].sum()
        # and so are the chances warned at 5-11 (the first scored review; its truth may differ)
        chance = [
            x.tables["backtest_warnings"]
            .filter(method=method, as_of=date(2026, 5, 11))
            .sort("horizon", "unique_id")["probability"]
            for x in (base, changed)
        ]
        assert chance[0].len() > 0 and chance[0].equals(chance[1]), method


@pytest.mark.slow
def test_every_policy_is_scored_on_the_same_demand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        warehouse_dir=tmp_path / "wh",
        service_level=0.95,
        backtest={"curve_levels": [0.9, 0.95], "poisson_paths": 50, "warnings_on": ["min_max"]},
    )
    con = _warehouse(tmp_path, "a")
    con.execute("UPDATE staging.items SET service_level = NULL")  # one target for all
    # every point of the curve replayed, also those at the target, which a backtest scores
    # off its replays above as they are the same (_curve_points): so they must be
    monkeypatch.setattr("shortage_radar.backtest.run._curve_points", lambda *_: {})
    got = run_backtest(con, settings, START, LAST, 7)
    led = got.tables["backtest_ledger"]
    parts = [led.filter(method=m).sort("unique_id", "ds") for m in ("ours", "min_max", "textbook")]
    for part in parts:
        assert part["demand"].equals(parts[0]["demand"]) and part.height > 0
        # every unit asked is served in its period or short
        assert np.all(part["short"].to_numpy() <= part["demand"].to_numpy())
    s = got.summary
    # the sample's one inventory snapshot is after the start: each policy sets its own stock
    assert s["reviews"] == 3 and s["initial_stock"].startswith("set by each policy")
    assert (led.filter(ds=START)["arrived"] == led.filter(ds=START)["ordered"]).all()
    assert set(s["methods"]) == {"ours", "min_max", "textbook", "ours_on_min_max"}
    # ours' warnings on min/max's stock: min/max's orders, so its very ledger
    on = led.filter(method="ours_on_min_max").sort("unique_id", "ds").drop("method")
    assert on.equals(parts[1].drop("method"))
    # the curve: ours and textbook at 0.9 and 0.95, min/max at each of its 4 extra-day settings
    curve = got.tables["backtest_curve"]
    assert sorted(curve["method"].to_list()) == ["min_max"] * 4 + ["ours"] * 2 + ["textbook"] * 2
    for method, target in (("ours", 0.95), ("textbook", 0.95), ("min_max", 14.0)):
        (point,) = curve.filter(method=method, target=target).to_dicts()
        main = s["methods"][method]["all"]
        for k in ("fill_rate", "inventory_value", "orders", "units_short"):
            assert point[k] == main[k], (method, k)
    # the replays share one warehouse in lockstep, each writing its own stock at its turn:
    # one after the other (each review's paths drawn anew), every ledger and chance is the same
    monkeypatch.setattr(
        "shortage_radar.backtest.run.replays",
        lambda *args, backorders, **_: {
            k: replay(*args[:4], policy, backorders=backorders) for k, policy in args[4].items()
        },
    )
    one_by_one = run_backtest(con, settings, START, LAST, 7)
    for name in ("backtest_ledger", "backtest_curve", "backtest_warnings"):
        assert one_by_one.tables[name].equals(got.tables[name]), name
    for m in s["methods"].values():
        assert 0 <= m["all"]["fill_rate"] <= 1
    assert s["forecast"]["n"] > 0 and s["forecast"]["rmsse"] >= 0
    # the reorder points were checked against the demand over their protection intervals
    assert 0 <= s["forecast"]["lead_demand_coverage"] <= 1
    assert s["forecast"]["lead_demand_n"] > 0
    # every scored warning is in backtest_warnings, and its scores are counted off them
    w = got.tables["backtest_warnings"]
    assert w["probability"].is_between(0, 1).all()
    assert w["warned"].equals(w["probability"] >= settings.backtest.warn_probability)
    on_scores, base_scores = (s["methods"][m]["all"] for m in ("ours_on_min_max", "min_max"))
    assert on_scores["stockouts_7"] == base_scores["stockouts_7"]
    for name, per in s["methods"].items():
        # 3 reviews a week apart (the first not scored), 21 days replayed: days 7 and 14
        # have their 7 days in them, only day 7 its 14
        for h, whole in ((7, 2), (14, 1)):
            rows = w.filter(method=name, horizon=h)
            assert rows.height == whole * s["series"]
            said = rows.filter("warned")
            assert per["all"][f"warned_{h}"] == said.height
            assert per["all"][f"stockouts_{h}"] == rows["stockout"].sum()
            if said.height:
                assert per["all"][f"precision_{h}"] == pytest.approx(said["stockout"].mean())
            a = per["all"]
            # the balanced threshold is the best of all cuts, the warning threshold's among them
            if said.height and rows["stockout"].any():
                best = min(a[f"balanced_precision_{h}"], a[f"balanced_recall_{h}"])
                assert best >= min(a[f"precision_{h}"], a[f"recall_{h}"]) - 1e-12
            assert {
                f"poisson_{o}_recall_{h}" for o in ("window", "history", "to_date", "last_year")
            } <= set(a)
        assert w.filter(method=name, horizon=28).is_empty()  # no 28-day window in the data
    # the calibration bins hold every scored warning once, and the page shows them
    cal = s["warning_calibration"]
    assert sum(b["reviews"] for b in cal) == w.height
    html = page(s)
    assert "calibration" in html and html.count("<tr>") >= len(cal)
    assert (
        f"<td>all</td><td>{s['forecast']['series']:,}</td><td>{s['forecast']['rmsse']:.3f}" in html
    )


@pytest.mark.slow
def test_kept_models_order_what_refitted_ones_do_at_the_selection(tmp_path: Path) -> None:
    # the first review selects: its forecasts, and so its orders, are the same whether the
    # automatic models are then kept or refitted at every review
    kept, refit = (
        run_backtest(
            _warehouse(tmp_path, name),
            Settings(
                warehouse_dir=tmp_path / "wh",
                backtest={"curve_levels": [], "refit_between_selections": name == "refit"},
            ),
            START,
            LAST,
            7,
        ).tables["backtest_ledger"]
        for name in ("kept", "refit")
    )
    first = (pl.col("method") == "ours") & (pl.col("ds") == START)
    assert kept.filter(first).sort("unique_id").equals(refit.filter(first).sort("unique_id"))
    assert kept.filter(first)["ordered"].sum() > 0


@pytest.mark.parametrize(
    ("item_level", "abc", "ours_reused"),
    [
        pytest.param(None, (), True, id="one target for all: ours is a point"),
        pytest.param(0.99, (), False, id="an item's own level: ours replayed"),
        pytest.param(None, (0.99, 0.95, 0.9), False, id="ABC levels: ours replayed"),
    ],
)
def test_the_curve_scores_the_replays_already_at_its_targets(
    item_level: float | None, abc: tuple[float, ...], ours_reused: bool
) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.items (sku VARCHAR, service_level DOUBLE)")
    con.execute("INSERT INTO staging.items VALUES ('A', NULL), ('B', ?)", [item_level])
    settings = Settings(
        service_level=0.9, policy={"abc_service_level": abc}, backtest={"minmax_extra_days": 7}
    )
    expected = {("textbook", 0.9): "textbook", ("min_max", 7.0): "min_max"}
    if ours_reused:
        expected[("ours", 0.9)] = "ours"
    assert _curve_points(con, settings) == expected
