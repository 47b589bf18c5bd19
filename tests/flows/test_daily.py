"""The daily flow's behaviour: retries on reading only, no caching, a failing stage, re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from prefect.cache_policies import NONE
from prefect.states import Failed
from prefect.testing.utilities import prefect_test_harness

from conftest import ITEMS, write
from flows import daily as d
from shortage_radar.errors import DataError
from shortage_radar.settings import Settings, load_settings

READING = [d.find_feeds, d.ingest_file]
COMPUTING = [d.demand, d.forecast, d.supply, d.publish_results]


def test_reading_the_feeds_is_retried_with_growing_delays() -> None:
    for t in READING:
        assert t.retries == d.IO_RETRIES > 0, t.name
        assert t.retry_condition_fn is d.io_error, t.name
        assert t.retry_delay_seconds == [10.0, 20.0, 40.0], t.name


def test_only_an_io_error_is_retried() -> None:
    def retried(e: Exception) -> bool:
        return d.io_error(d.find_feeds, None, Failed(data=e))  # type: ignore[arg-type]

    assert retried(FileNotFoundError("share gone for a moment"))
    assert not retried(DataError("required feed 'items' missing"))
    assert not retried(ValueError("a bug"))


def test_computation_is_never_retried() -> None:
    assert [t.retries for t in COMPUTING] == [0] * len(COMPUTING)


def test_no_task_caches_or_persists_its_result() -> None:
    for t in READING + COMPUTING:
        assert t.persist_result is False, t.name
        assert isinstance(t.cache_policy, type(NONE)), t.name
    assert d.ingest_file.task_run_name == "ingest {f.name}"


def settings(wh: Path) -> Settings:
    return load_settings(None, warehouse_dir=wh)


def meta(wh: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def published(wh: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(wh / "analytics.duckdb"), read_only=True) as adb:
        return adb.execute(sql).fetchall()


@pytest.fixture(scope="module")
def prefect() -> Iterator[None]:
    """One temporary Prefect server for the flows run here, stopped while pytest still listens."""
    with prefect_test_harness():
        yield


@pytest.fixture
def tiny(landing: Path) -> Path:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n2026-05-02,B,1\n")
    return landing


@pytest.mark.slow
@pytest.mark.usefixtures("prefect")
def test_a_failing_stage_fails_the_run_naming_it_and_publishes_nothing(
    tmp_path: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    wh = tmp_path / "wh"
    assert d.daily(settings(wh), tiny, return_state=True).is_completed()

    def broken(*args: object) -> None:
        raise RuntimeError("projection blew up")

    monkeypatch.setattr(d, "build_supply", broken)
    state = d.daily(settings(wh), tiny, return_state=True)
    assert state.is_failed()
    assert meta(wh, "SELECT run_id, status, failed_stage, message FROM meta.runs") == [
        (1, "succeeded", None, None),
        (2, "failed", "supply", "RuntimeError: projection blew up"),
    ]
    assert published(wh, "SELECT run_id, status FROM runs") == [(1, "succeeded")]
    assert "stage supply failed: RuntimeError: projection blew up" in caplog.messages

    state = d.daily(settings(wh), tmp_path / "gone", return_state=True)  # a user's error
    assert state.is_failed()
    assert state.message is not None
    assert state.message.startswith("stage ingest failed: landing folder")
    assert published(wh, "SELECT count(*) FROM runs") == [(1,)]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect")
def test_reading_the_feeds_again_after_an_io_error(
    tmp_path: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    landing_files = d.landing_files

    def flaky(data_dir: Path, con: duckdb.DuckDBPyConnection) -> object:
        calls.append(data_dir)
        if len(calls) == 1:
            raise ConnectionResetError("the share went away for a moment")
        return landing_files(data_dir, con)

    monkeypatch.setattr(d, "find_feeds", d.find_feeds.with_options(retry_delay_seconds=0))
    monkeypatch.setattr(d, "landing_files", flaky)
    state = d.daily(settings(tmp_path / "wh"), tiny, return_state=True)
    assert state.is_completed()
    assert calls == [tiny, tiny]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect")
def test_a_rerun_of_an_as_of_replaces_its_results_and_keeps_earlier_dates(tmp_path: Path) -> None:
    from shortage_radar.sample_data import SampleSpec, write_feeds

    landing, wh = tmp_path / "landing", tmp_path / "wh"
    write_feeds(landing, SampleSpec(skus=4, locations=1, days=120))
    first, second = date(2026, 11, 20), date(2026, 11, 24)
    history = "SELECT as_of, count(*) FROM warning_history GROUP BY 1 ORDER BY 1"
    for day in (first, second):
        assert d.daily(settings(wh), landing, day, return_state=True).is_completed()
    before = published(wh, history)
    assert [r[0] for r in before] == [first, second]  # warnings on both days

    assert d.daily(settings(wh), landing, second, return_state=True).is_completed()
    assert published(wh, history) == before  # the second day's replaced, not doubled
    assert published(wh, "SELECT run_id, as_of FROM runs ORDER BY 1") == [
        (1, first),
        (2, second),
        (3, second),
    ]
    assert published(wh, "SELECT DISTINCT run_id, as_of FROM forecasts") == [(3, second)]
