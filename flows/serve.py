"""The daily job on a schedule: a flow that reads its settings when it runs, served by Prefect."""

# No `from __future__ import annotations` here: Prefect validates a served run's parameters
# against the flow's annotations in a fresh process, where string annotations stay unresolved
# ("ScheduledModel is not fully defined").
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.schedules import Cron

from flows.daily import daily
from shortage_radar.report.summary import RunSummary, format_summary, one_line
from shortage_radar.settings import ScheduleSettings, load_settings

DEPLOYMENT = "daily"


# The deployment's parameters must be JSON, so a scheduled run gets file paths and loads the
# settings itself (default.toml, the config file, then the SHORTAGE_RADAR_* variables of the
# serve process): a changed config file counts from the next run on.
@flow(name="shortage-radar-scheduled", persist_result=False)
def scheduled(
    data_dir: str,
    config: str | None = None,
    warehouse_dir: str | None = None,
    as_of: date | None = None,
) -> RunSummary:
    """One scheduled daily run: ingest `data_dir`, forecast, project, warn and publish.

    `as_of` empty means the day after the last sales date; give one to redo an earlier day.
    """
    settings = load_settings(
        Path(config) if config else None,
        warehouse_dir=Path(warehouse_dir) if warehouse_dir else None,
    )
    # The body of the daily flow, in this run: one Prefect run a day, its tasks and its state.
    result = daily.fn(settings, Path(data_dir), as_of)
    if isinstance(result, RunSummary):  # else the Failed state of a data or settings error
        # No terminal watches a scheduled run: its summary goes to the log (and the UI).
        get_run_logger().info("%s\n\n%s", one_line(result), format_summary(result))
    return result


def serve(
    data_dir: Path, config: Path | None, warehouse_dir: Path | None, schedule: ScheduleSettings
) -> None:
    """Register the deployment on the Prefect server (PREFECT_API_URL) and run it on schedule
    until stopped; one run at a time (a run due while one goes on waits for it)."""
    scheduled.serve(
        name=DEPLOYMENT,
        schedule=Cron(schedule.cron, timezone=schedule.timezone),
        parameters={
            "data_dir": str(data_dir.resolve()),
            "config": str(config.resolve()) if config else None,
            "warehouse_dir": str(warehouse_dir.resolve()) if warehouse_dir else None,
        },
        global_limit=1,  # across every `serve` of this deployment, should two be started
        limit=1,  # in this process
        description="The shortage-radar daily job: ingest, forecast, warn, suggest, publish.",
    )
