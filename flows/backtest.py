"""The backtest as a Prefect flow: ingest into a fresh warehouse, replay, score, publish."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from flows.daily import WAREHOUSE as DAILY
from flows.daily import find_feeds, ingest_file
from shortage_radar.backtest.report import page
from shortage_radar.backtest.run import PUBLISHED, Backtest, run_backtest
from shortage_radar.errors import ConfigError
from shortage_radar.ingest.stage import default_as_of, load_all
from shortage_radar.settings import Settings
from shortage_radar.warehouse import db, publish, runs

# Not the daily run's file name, and the daily folder is refused (fresh_folder): publishing
# the backtest there would replace the analysts' analytics.duckdb and its published versions.
WAREHOUSE = "backtest.duckdb"


def fresh_folder(wh: Path) -> None:
    """Refuse a folder that holds a daily warehouse (ConfigError naming it)."""
    if (wh / DAILY).exists():
        raise ConfigError(
            f"{wh} holds the daily run's warehouse ({DAILY}): give the backtest a folder of "
            "its own (--warehouse), it replaces the published tables of the folder it runs in"
        )


@task(cache_policy=NONE)
def replay(
    con: duckdb.DuckDBPyConnection, settings: Settings, start: date, end: date, every: int
) -> Backtest:
    result = run_backtest(con, settings, start, end, every)
    log = get_run_logger()
    for name, per in result.summary["methods"].items():
        a = per["all"]
        log.info(
            "%s: fill rate %s, cycle service %s, inventory value %s, %s orders",
            name,
            a["fill_rate"],
            a["cycle_service_level"],
            a["inventory_value"],
            a["orders"],
        )
    return result


@flow(name="shortage-radar-backtest")
def backtest(
    settings: Settings,
    data_dir: Path,
    start: date,
    end: date,
    every: int = 7,
    json_out: Path | None = None,
) -> dict[str, Any]:
    """Replay history from `start` to `end` (a review every `every` periods) in a fresh
    warehouse at settings.warehouse_dir, publish the backtest_* tables there and return the
    JSON summary (also written to `json_out`)."""
    wh = settings.warehouse_dir
    fresh_folder(wh)
    wh.mkdir(parents=True, exist_ok=True)
    # A fresh warehouse per backtest: the feeds are staged anew, never on top of an old load.
    (wh / WAREHOUSE).unlink(missing_ok=True)
    with db.connect(wh / WAREHOUSE, settings.duckdb) as con:
        db.create_schema(con)
        run_id = runs.start_run(con, None, data_dir, settings.model_dump_json())
        try:
            # as the daily run loads (its tasks: I/O retried, nothing else), as of the day after
            # the last sale, so that nothing is later
            files = find_feeds(data_dir, con)
            as_of = default_as_of(files, con, date.today())
            runs.set_as_of(con, run_id, as_of)
            load_all(con, files, run_id=run_id, as_of=as_of, tmp=wh / "tmp", load_one=ingest_file)
            result = replay(con, settings, start, end, every)
            with db.transaction(con):
                db.replace_core(con, result.tables)
            runs.finish_run(con, run_id, "succeeded")
            publish.publish(con, wh, run_id, PUBLISHED, keep=settings.publish.keep_versions)
        except Exception as e:
            runs.finish_run(con, run_id, "failed", failed_stage="backtest", message=str(e)[:2000])
            raise
        finally:
            shutil.rmtree(wh / "tmp", ignore_errors=True)
    (wh / "backtest.html").write_text(page(result.summary))
    get_run_logger().info("backtest report: %s", wh / "backtest.html")
    if json_out is not None:
        json_out.write_text(json.dumps(result.summary, indent=2))
    return result.summary
