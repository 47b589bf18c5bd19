"""Forecasting on a Dask cluster gives what the local engine gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from dask.distributed import Client, LocalCluster
from polars.testing import assert_frame_equal

from shortage_radar.forecast.engine import POOL_MIN_SERIES, Engine, by_halves, engine_for
from shortage_radar.forecast.portfolio import make_model
from shortage_radar.forecast.predict import forecast, plan
from shortage_radar.forecast.select import select
from shortage_radar.settings import load_settings

NAMES = ["CrostonSBA", "TSB", "IMAPA", "SeasonalNaive", "WindowAverage", "AutoETS"]
START = date(2026, 1, 1)
CFG = load_settings().forecast


def _series(n: int = 6, days: int = 150) -> pl.DataFrame:
    """n daily Poisson series, rates 0.3 .. 6 (intermittent to smooth)."""
    rng = np.random.default_rng(3)
    ds = [START + timedelta(days=d) for d in range(days)]
    return pl.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(n)], days),
            "ds": ds * n,
            "y": rng.poisson(np.repeat(np.linspace(0.3, 6, n), days)).astype(float),
        }
    )


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[Engine]:
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield Engine("D", client=client)


def test_dask_forecast_equals_local(dask_engine: Engine) -> None:
    cfg = load_settings().forecast
    models = [make_model(n, "", "D", cfg) for n in NAMES]
    df = _series()
    local = Engine("D").forecast(df, models, 14)
    # the Dask backend computes in Float32: equal within float tolerance
    assert_frame_equal(dask_engine.forecast(df, models, 14), local, rel_tol=1e-5, abs_tol=1e-5)


def test_dask_cross_validation_equals_local(dask_engine: Engine) -> None:
    cfg = load_settings().forecast
    models = [make_model(n, "", "D", cfg) for n in NAMES[:5]]
    df = _series()
    local = Engine("D").cross_validation(df, models, 14, 3, True)
    remote = dask_engine.cross_validation(df, models, 14, 3, True)
    assert_frame_equal(remote, local, rel_tol=1e-5, abs_tol=1e-5)


def test_selection_and_forecast_on_dask_equal_local(dask_engine: Engine) -> None:
    settings = load_settings(horizon=14)
    df = _series()
    classes = pl.DataFrame(
        {
            "unique_id": [f"s{i}" for i in range(6)],
            "demand_class": ["intermittent"] * 3 + ["smooth"] * 3,
        }
    )
    cats = pl.DataFrame(schema={"unique_id": pl.String, "category": pl.String})
    runs = []
    for engine in (Engine("D"), dask_engine):
        chosen = select(df, classes, settings, engine, date(2026, 6, 1))
        runs.append(forecast(df, plan(chosen.models, classes, settings), cats, settings, engine))
    local, remote = runs
    assert_frame_equal(remote.models, local.models, rel_tol=1e-4, abs_tol=1e-6)
    assert_frame_equal(remote.rows, local.rows, rel_tol=1e-4, abs_tol=1e-5)


def test_engine_dask_without_address_starts_a_local_cluster() -> None:
    cfg = load_settings().forecast
    with engine_for(load_settings(engine="dask")) as engine:
        assert engine.client is not None
        out = engine.forecast(_series(2, 30), [make_model("WindowAverage", "", "D", cfg)], 3)
    assert out.height == 6


def test_a_failing_series_is_cut_out_by_halves_and_the_others_kept() -> None:
    df = _series(8, 5)
    calls = []

    def run(d: pl.DataFrame) -> pl.DataFrame:
        calls.append(d["unique_id"].n_unique())
        if "s5" in d["unique_id"].to_list():
            raise RuntimeError("tiny datasets")
        return d.group_by("unique_id").agg(pl.col("y").sum())

    parts = by_halves(run, df, "model")
    kept = sorted(u for p in parts for u in p["unique_id"])
    assert kept == ["s0", "s1", "s2", "s3", "s4", "s6", "s7"]
    # all 8 fail; s0-s3 pass; s4-s7 fail; s4-s5 fail; s4 passes, s5 fails alone; s6-s7 pass:
    # seven calls, where one call per series would be eight after the first
    assert calls == [8, 4, 4, 2, 1, 1, 2]


def test_a_process_pool_for_an_automatic_model_gives_what_one_process_gives() -> None:
    df = _series(n=POOL_MIN_SERIES, days=60)
    one = Engine("D", n_jobs=1).forecast(df, [make_model("AutoETS", "", "D", CFG)], 7)
    pool = Engine("D", n_jobs=2).forecast(df, [make_model("AutoETS", "", "D", CFG)], 7)
    assert_frame_equal(one, pool)


def test_a_pool_fit_and_cross_validation_give_what_one_process_gives() -> None:
    df = _series(n=POOL_MIN_SERIES + 3, days=60)  # 53 series: chunks of 6 and 7
    models = [make_model("AutoETS", "", "D", CFG)]
    one, pool = Engine("D", n_jobs=1), Engine("D", n_jobs=2)
    ids, fitted = pool.fit(df, models)
    assert (ids, fitted.shape) == (one.fit(df, models)[0], (53, 1))
    assert [f.model_["method"] for f in fitted[:, 0]] == [
        f.model_["method"] for f in one.fit(df, models)[1][:, 0]
    ]
    cv = [e.cross_validation(df, models, 7, 2, True) for e in (one, pool)]
    assert_frame_equal(cv[0], cv[1])


def test_a_pool_works_in_a_process_with_threads_running() -> None:
    # the hang this pool avoids: a fork of a process whose other threads hold locks
    import threading

    stop = threading.Event()
    busy = [threading.Thread(target=stop.wait) for _ in range(4)]
    for t in busy:
        t.start()
    try:
        out = Engine("D", n_jobs=2).forecast(
            _series(n=POOL_MIN_SERIES, days=30), [make_model("AutoETS", "", "D", CFG)], 3
        )
    finally:
        stop.set()
    assert out.height == POOL_MIN_SERIES * 3


@pytest.mark.parametrize(
    ("model", "series", "processes"),
    [("AutoETS", POOL_MIN_SERIES, 2), ("AutoETS", POOL_MIN_SERIES - 1, 1), ("TSB", 500, 1)],
    ids=["automatic-and-enough-series", "too-few-series", "a-fast-model"],
)
def test_the_pool_is_only_for_automatic_models_on_enough_series(
    model: str, series: int, processes: int
) -> None:
    df = _series(n=series, days=10)
    assert Engine("D", n_jobs=2).processes([make_model(model, "", "D", CFG)], df) == processes
