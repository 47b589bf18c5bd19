"""The daily job as a Prefect flow: each stage a task; the logic lives in shortage_radar."""

from __future__ import annotations

import shutil
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import duckdb
from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.client.schemas.objects import State, TaskRun
from prefect.states import Failed
from prefect.tasks import exponential_backoff

from shortage_radar.demand.stage import build_demand
from shortage_radar.errors import ShortageRadarError
from shortage_radar.forecast.stage import ForecastRun, build_forecasts
from shortage_radar.ingest.files import LandingFile
from shortage_radar.ingest.load import LedgerEntry, load_file
from shortage_radar.ingest.stage import default_as_of, feed_totals, landing_files, load_all
from shortage_radar.notify import digest, smtp
from shortage_radar.report.artifact import artifact_markdown
from shortage_radar.report.build import write_report
from shortage_radar.report.summary import RunSummary, headline_counts, risk_lines
from shortage_radar.settings import MailSettings, Settings
from shortage_radar.supply.stage import SupplyRun, build_supply
from shortage_radar.warehouse import db, publish, runs

WAREHOUSE = "warehouse.duckdb"
# I/O (reading the landing folder, often a network share; sending mail) may fail for a moment:
# retry it after 10, 20 and 40 s (io_task). Computation is deterministic: a retry would fail again.
IO_RETRIES = 3
IO_BACKOFF_SECONDS = 10.0


def io_error(task: Task[..., object], task_run: TaskRun, state: State[object]) -> bool:
    """Retry only an OSError (smtplib's errors are ones too): a missing feed or a bad file
    would fail the same way again.

    Reading a file (content hash, the polars scan) comes before any write of its load, so a
    retried ingest_file starts clean.
    """
    return isinstance(state.data, OSError)


# No task caches or persists its result: they return small records, the frames they work on
# stay in the warehouse, and the connection itself must never reach a cache.
io_task = task(
    cache_policy=NONE,
    persist_result=False,
    retries=IO_RETRIES,
    retry_delay_seconds=exponential_backoff(IO_BACKOFF_SECONDS),
    retry_condition_fn=io_error,
)


@io_task
def find_feeds(data_dir: Path, con: duckdb.DuckDBPyConnection) -> list[LandingFile]:
    return landing_files(data_dir, con)


@io_task
def ingest_file(
    con: duckdb.DuckDBPyConnection, f: LandingFile, *, run_id: int, as_of: date, tmp: Path
) -> LedgerEntry:
    entry = load_file(con, f, run_id=run_id, as_of=as_of, tmp=tmp)
    log = get_run_logger()
    if entry.status == "rejected":
        log.warning("rejected %s", entry.message)
    else:
        log.info(
            "%s %s: %d read, %d loaded, %d quarantined %s",
            entry.status,
            f.name,
            entry.rows_read,
            entry.rows_loaded,
            entry.rows_quarantined,
            entry.message,
        )
    return entry


ingest_file = ingest_file.with_options(task_run_name="ingest {f.name}")


@task(cache_policy=NONE, persist_result=False)
def demand(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> int:
    n = build_demand(con, settings, as_of)
    get_run_logger().info("demand series and classes for %d sku-locations", n)
    return n


@task(cache_policy=NONE, persist_result=False)
def forecast(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> ForecastRun:
    run = build_forecasts(con, settings, as_of)
    get_run_logger().info(
        "forecast %d series%s; %d fell back to a window average; models: %s",
        run.series,
        " (models re-selected)" if run.reselected else " (stored model choice)",
        run.fallbacks,
        ", ".join(f"{m} {n}" for m, n in sorted(run.by_model.items())),
    )
    return run


@task(cache_policy=NONE, persist_result=False)
def supply(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> SupplyRun:
    run = build_supply(con, settings, as_of)
    get_run_logger().info(
        "projected %d series; %d warnings, %d order suggestions, %d customer order lines late, "
        "%d of %d open PO lines overdue",
        run.series,
        run.warnings,
        run.suggestions,
        run.late_orders,
        run.overdue_lines,
        run.open_lines,
    )
    return run


@task(cache_policy=NONE, persist_result=False)
def publish_results(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: int, as_of: date
) -> list[str]:
    tables = publish.published_tables(run_id, as_of)
    publish.publish(
        con,
        settings.warehouse_dir,
        run_id,
        tables,
        keep=settings.publish.keep_versions,
        views=publish.analyst_views(settings.freq),
    )
    return list(tables)


def _may_pass(task: object, run: TaskRun, state: State[None]) -> bool:
    """Retry a send only when the failure may pass (no connection, a 4xx reply)."""
    return isinstance(state.data, BaseException) and smtp.transient(state.data)


@task(cache_policy=NONE, task_run_name="mail {msg[To]}", retry_condition_fn=_may_pass)
def send_digest(msg: EmailMessage, cfg: MailSettings) -> None:
    smtp.send(msg, cfg)


@task(cache_policy=NONE)
def mail(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> list[str]:
    """Mail the buyers their digests. Never raises: the run's results are published already,
    so a mail problem is logged and told in the summary, and the run stays good."""
    cfg = settings.mail
    log = get_run_logger()
    try:
        plan = digest.digests(con, as_of, cfg)
    except Exception as e:
        log.exception("mail: the digests could not be built")
        return [f"mail: none sent, the digests could not be built: {smtp.describe(e)}"]
    waits = [cfg.retry_delay_seconds * 2**i for i in range(cfg.retries)]  # backoff: x1, x2, x4
    sender = send_digest.with_options(retries=cfg.retries, retry_delay_seconds=waits)
    done = smtp.deliver(plan.messages, cfg, send_one=sender)
    lines = smtp.summary_lines(plan, done)
    for line in lines:
        (log.warning if "FAILED" in line or "not mailed" in line else log.info)(line)
    return lines


@task(cache_policy=NONE)
def report(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date) -> Path:
    page, data = write_report(con, settings, as_of)
    create_markdown_artifact(
        key="buyers-report",
        markdown=artifact_markdown(data.warnings, page, settings.report.charts),
        description=f"Top shortage warnings of {as_of} and the buyers' report",
    )
    get_run_logger().info("buyers' report: %s", page)
    return page


def _begin(stage: str) -> str:
    """Say which stage starts (on the terminal and in the Prefect UI): some take minutes."""
    get_run_logger().info("stage %s started", stage)
    return stage


@flow(name="shortage-radar-daily", persist_result=False)
def daily(settings: Settings, data_dir: Path, as_of: date | None = None) -> RunSummary:
    """Ingest the landing folder into the warehouse and publish the results of the run.

    A data or settings problem ends the run as Failed with its message (no traceback); the
    run's row in meta.runs says which stage failed, and nothing is published.
    """
    wh = settings.warehouse_dir
    tmp = wh / "tmp"
    with db.connect(wh / WAREHOUSE, settings.duckdb) as con:
        db.create_schema(con)
        run_id = runs.start_run(con, as_of, data_dir, settings.model_dump_json())
        stage = _begin("ingest")
        try:
            files = find_feeds(data_dir, con)
            as_of = as_of or default_as_of(files, con, date.today())
            runs.set_as_of(con, run_id, as_of)
            entries = load_all(
                con, files, run_id=run_id, as_of=as_of, tmp=tmp, load_one=ingest_file
            )
            stage = _begin("demand")
            demand(con, settings, as_of)
            stage = _begin("forecast")
            fc = forecast(con, settings, as_of)
            stage = _begin("supply")
            sp = supply(con, settings, as_of)
            runs.finish_run(con, run_id, "succeeded")
            stage = _begin("publish")
            names = publish_results(con, settings, run_id, as_of)
            risks = risk_lines(con)
            counts = headline_counts(con)
            stage = _begin("report")
            page = report(con, settings, as_of)
        except Exception as e:
            user_error = isinstance(e, ShortageRadarError)
            why = str(e) if user_error else f"{type(e).__name__}: {e}"
            runs.finish_run(con, run_id, "failed", failed_stage=stage, message=why[:2000])
            # The Prefect UI shows this line and the state message; a bug's traceback is
            # logged by Prefect itself, with the failed task.
            get_run_logger().error("stage %s failed: %s", stage, why)
            if user_error:
                return Failed(message=f"stage {stage} failed: {why}", data=e)  # type: ignore[return-value]
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        mailed = mail(con, settings, as_of) if settings.mail.enabled else []
    totals = feed_totals(entries).to_dicts()
    chosen = "models re-selected" if fc.reselected else "stored model choice refitted"
    lines = [
        f"forecast: {fc.series} series, {chosen}, {fc.fallbacks} fell back",
        f"supply: {sp.warnings} shortage warnings, {sp.suggestions} order suggestions, "
        f"{sp.late_orders} customer order lines late, {sp.overdue_lines} PO lines overdue",
        *mailed,
        "",
        *risks,
    ]
    return RunSummary(run_id, as_of, wh, totals, names, lines, report=page, counts=counts)
