"""Where statsforecast runs: in this process, on a pool of workers, or on a Dask cluster."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl
from statsforecast import StatsForecast

from shortage_radar.demand.series import PERIOD
from shortage_radar.forecast import pool
from shortage_radar.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# A call runs on n_jobs processes (pool.py) only for the automatic models' parameter search
# (about 0.1 s a daily series; 1.6-1.9x faster on 2 warm workers here, statsforecast 2.1)
# and enough series: sending the series to the workers and back costs more than a fast
# model takes to fit them.
AUTOMATIC = frozenset({"AutoETS", "AutoTheta", "AutoARIMA", "AutoCES"})
POOL_MIN_SERIES = 50


@dataclass
class Engine:
    """Runs forecast and cross_validation on frames of (unique_id, ds, y)."""

    freq: str
    n_jobs: int = 1
    client: Any = None  # a dask.distributed.Client when the work goes to a cluster

    def forecast(self, df: pl.DataFrame, models: list[Any], h: int) -> pl.DataFrame:
        """unique_id, ds, and one column per model alias."""
        if self.client is None:
            out: pl.DataFrame = self._local("forecast", models, df, h=h)
            return out
        return self._distributed(df, lambda sf, d: sf.forecast(h=h, df=d), models)

    def cross_validation(
        self, df: pl.DataFrame, models: list[Any], h: int, n_windows: int, refit: bool
    ) -> pl.DataFrame:
        """unique_id, ds, cutoff, y, and one column per model alias."""

        kwargs = {"h": h, "n_windows": n_windows, "step_size": h, "refit": refit}
        if self.client is None:
            out: pl.DataFrame = self._local("cross_validation", models, df, **kwargs)
            return out
        return self._distributed(df, lambda sf, d: sf.cross_validation(df=d, **kwargs), models)

    def fit(self, df: pl.DataFrame, models: list[Any]) -> tuple[list[str], Any]:
        """The fitted models, an array of (series, model) in the order of the returned ids."""
        out: tuple[list[str], Any] = self._local("fit", models, df)
        return out

    def processes(self, models: list[Any], df: pl.DataFrame) -> int:
        """How many processes a call of `models` on `df` runs on."""
        slow = any(type(m).__name__ in AUTOMATIC for m in models)
        many = df["unique_id"].n_unique() >= POOL_MIN_SERIES
        return pool.processes(self.n_jobs) if slow and many else 1

    def _local(self, method: str, models: list[Any], df: pl.DataFrame, **kwargs: Any) -> Any:
        n = self.processes(models, df)
        if n == 1:
            return pool.call(method, models, PERIOD[self.freq], df, kwargs)
        return pool.split_call(method, models, PERIOD[self.freq], df, kwargs, n)

    def _distributed(self, df: pl.DataFrame, call: Any, models: list[Any]) -> pl.DataFrame:
        import dask.dataframe as dd

        # The fugue backend takes pandas-based Dask frames with pandas frequency aliases.
        pdf = df.with_columns(pl.col("ds").cast(pl.Datetime("ns"))).to_pandas()
        workers = max(1, len(self.client.scheduler_info()["workers"]))
        parts = min(workers * 2, max(1, df["unique_id"].n_unique()))
        ddf = dd.from_pandas(pdf, npartitions=parts)  # type: ignore[no-untyped-call]
        sf = StatsForecast(models=models, freq={"D": "D", "W": "W-MON", "M": "MS"}[self.freq])
        out = call(sf, ddf).compute()
        result = pl.from_pandas(out.reset_index(drop="unique_id" in out.columns))
        dates = [c for c in ("ds", "cutoff") if c in result.columns]
        floats = [c for c in result.columns if c not in ("unique_id", *dates)]
        return result.with_columns(
            *(pl.col(c).cast(pl.Date) for c in dates), *(pl.col(c).cast(pl.Float64) for c in floats)
        ).sort("unique_id", *dates)


def by_halves(run: Callable[[pl.DataFrame], T], df: pl.DataFrame, what: str) -> list[T]:
    """`run` on `df`'s series, leaving out those it fails on: a failing group is split in
    halves until the failing series stand alone (a few calls per failure, not one per series;
    statsforecast fails a whole call for one series too short for a model)."""
    try:
        return [run(df)]
    except Exception as e:
        ids = df["unique_id"].unique(maintain_order=True)
        if ids.len() == 1:
            log.warning("%s failed on %s: %s", what, ids[0], e)
            return []
        half = ids[: ids.len() // 2].implode()
        first = df.filter(pl.col("unique_id").is_in(half))
        rest = df.filter(~pl.col("unique_id").is_in(half))
        return [*by_halves(run, first, what), *by_halves(run, rest, what)]


@contextmanager
def engine_for(settings: Settings) -> Iterator[Engine]:
    """The engine the settings ask for; a Dask client (and local cluster) lives as long as it."""
    if settings.engine == "local":
        yield Engine(settings.freq, settings.forecast.n_jobs)
        return
    from dask.distributed import Client, LocalCluster

    if settings.dask_address:
        with Client(settings.dask_address) as client:  # type: ignore[no-untyped-call]
            yield Engine(settings.freq, client=client)
        return
    cluster = LocalCluster(processes=False, dashboard_address=None)  # type: ignore[no-untyped-call]
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield Engine(settings.freq, client=client)
