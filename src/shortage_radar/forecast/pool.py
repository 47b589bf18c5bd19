"""Statsforecast calls split by series over worker processes that forkserver starts."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import polars as pl
from statsforecast import StatsForecast

# Not statsforecast's own n_jobs: its pools fork this process, and a fork of a process with
# threads (Prefect's, DuckDB's) hung a worker in the 944-SKU backtest. Forkserver's workers
# are forks of a fresh server process that has only imported statsforecast. Like spawn, each
# worker imports the main module: a script that fits on the pool guards its work with
# `if __name__ == "__main__":`.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["statsforecast", __name__])
# Several chunks a worker so that one slow chunk does not leave the other workers idle.
CHUNKS_PER_WORKER = 4


@cache
def _pool(n: int) -> ProcessPoolExecutor:
    """One pool of n workers for the life of this process: a new pool's first fit is slow
    (AutoETS on 120 daily series: 12-14 s, then 5-7 s on the same workers), so a pool a
    call would pay that on every call."""
    return ProcessPoolExecutor(n, mp_context=_CONTEXT)


def processes(n_jobs: int) -> int:
    """n_jobs as statsforecast reads it: -1 is one process per core."""
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def call(
    method: str, models: list[Any], freq: Any, df: pl.DataFrame, kwargs: dict[str, Any]
) -> Any:
    """One StatsForecast method on one process; fit gives (series ids, fitted models)."""
    sf = StatsForecast(models=models, freq=freq, n_jobs=1)
    if method == "fit":
        sf.fit(df=df)
        return [str(u) for u in sf.uids], sf.fitted_
    return getattr(sf, method)(df=df, **kwargs)


def split_call(
    method: str, models: list[Any], freq: Any, df: pl.DataFrame, kwargs: dict[str, Any], n: int
) -> Any:
    """`call` on contiguous chunks of the sorted series ids over n processes, put back
    together in id order, the order one call gives (statsforecast sorts by id)."""
    ids = df["unique_id"].unique().sort()
    bounds = np.linspace(0, ids.len(), min(ids.len(), n * CHUNKS_PER_WORKER) + 1).astype(int)
    parts = [df.filter(pl.col("unique_id").is_in(ids[a:b].implode())) for a, b in pairwise(bounds)]
    try:
        outs = list(
            _pool(n).map(call, repeat(method), repeat(models), repeat(freq), parts, repeat(kwargs))
        )
    except BrokenProcessPool:
        _pool.cache_clear()  # a worker died: the next call starts a new pool
        raise
    if method == "fit":
        return [u for uids, _ in outs for u in uids], np.vstack([f for _, f in outs])
    return pl.concat(outs)
