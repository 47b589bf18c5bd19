"""The `shortage-radar` command: run, demo, backtest and serve."""

from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from shortage_radar.errors import ShortageRadarError
from shortage_radar.settings import Settings, load_settings

app = typer.Typer(
    help="Demand forecasting and shortage early warning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="A TOML file of settings (see config/default.toml).")
]
WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", help="Warehouse folder [default: setting warehouse_dir, data/warehouse]."
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="Landing folder with the feeds [default: setting data_dir]."),
]


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _fail(e: Exception, debug: bool) -> typer.Exit:
    if debug:
        raise e
    typer.echo(f"error: {e}", err=True)
    return typer.Exit(1)


@app.command()
def run(
    data: DataOpt = None,
    warehouse: WarehouseOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Run date YYYY-MM-DD [default: the day after the last sales date]."
        ),
    ] = None,
    config: ConfigOpt = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="For cron: only warnings, errors and a one-line result."
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Run the daily job once: ingest the feeds and publish the results."""
    day = _as_of(as_of)
    try:
        settings = load_settings(config, warehouse_dir=warehouse)
        folder = data or settings.data_dir
        if folder is None:
            raise typer.BadParameter("give --data DIR or set data_dir", param_hint="--data")
        _run_and_report(settings, folder, day, debug, quiet=quiet)
    except ShortageRadarError as e:
        raise _fail(e, debug) from None


class _NoTracebackForUserErrors(logging.Filter):
    """Prefect logs every failure with its traceback; a bad feed or setting needs only its words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ShortageRadarError):
            record.exc_info, record.exc_text = None, None
        return True


def _no_telemetry() -> None:
    """Before Prefect is imported: no usage data leaves the machine, from a server it starts
    (PREFECT_SERVER_ANALYTICS_ENABLED) or from this client (DO_NOT_TRACK)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # A run without a server starts a temporary one; on a busy small machine it can take
    # longer than Prefect's default 20 s to answer.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _run_and_report(
    settings: Settings, folder: Path, day: date | None, debug: bool, *, quiet: bool = False
) -> None:
    _no_telemetry()
    if quiet:
        # Read when Prefect sets up its logging, on import: the terminal gets warnings and
        # errors only, while a Prefect server still receives every line of the run.
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
    from flows.daily import daily

    from shortage_radar.report.summary import print_summary

    if not debug:
        for name in ("prefect.task_runs", "prefect.flow_runs"):
            logging.getLogger(name).addFilter(_NoTracebackForUserErrors())

    state = daily(settings, folder, day, return_state=True)
    # A temporary Prefect server stops at exit and says so at INFO; the summary, which ends
    # with where the buyers' report is, should be the last thing the user reads.
    logging.getLogger("prefect").setLevel(logging.WARNING)
    if state.is_failed():
        err = state.result(raise_on_failure=False)
        if isinstance(err, BaseException):
            raise err
        raise ShortageRadarError(state.message or "the run failed")
    print_summary(state.result(), quiet=quiet)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the sample feeds.")] = Path(
        "data/sample"
    ),
    warehouse: WarehouseOpt = None,
    skus: Annotated[int, typer.Option(help="Number of SKUs to generate.")] = 300,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the bundled sample feeds (with a few malformed files) and run the daily job on them."""
    from shortage_radar.sample_data import SampleSpec, write_feeds

    try:
        settings = load_settings(config, warehouse_dir=warehouse)
        out.mkdir(parents=True, exist_ok=True)
        written = write_feeds(out, SampleSpec(skus=skus, malformed=True))
        typer.echo(f"wrote {len(written)} sample files to {out}/")
        _run_and_report(settings, out, None, debug)
    except ShortageRadarError as e:
        raise _fail(e, debug) from None


@app.command()
def backtest(
    data: Annotated[Path, typer.Option("--data", help="Landing folder with the feeds.")],
    start: Annotated[str, typer.Option("--start", help="First review date YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last review date YYYY-MM-DD.")],
    every: Annotated[int, typer.Option("--every", help="Periods between reviews.", min=1)] = 7,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="Folder of the backtest's own warehouse, rebuilt each time "
            "[default: <warehouse_dir>/backtest].",
        ),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the summary here.")] = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Replay history and score forecasts, warnings and policy against the min/max rule."""
    first, last = _as_of(start), _as_of(end)
    assert first is not None and last is not None  # typer requires both
    if last < first:
        raise typer.BadParameter(f"--end {end} is before --start {start}", param_hint="--end")
    _no_telemetry()
    try:
        settings = load_settings(config)
        wh = warehouse or settings.warehouse_dir / "backtest"
        settings = settings.model_copy(update={"warehouse_dir": wh})
        from flows.backtest import backtest as flow

        summary = flow(settings, data, first, last, every, json_out)
    except (ShortageRadarError, ValueError) as e:
        raise _fail(e, debug) from None
    from shortage_radar.backtest.report import score_text

    for name, per in summary["methods"].items():
        a = per["all"]
        typer.echo(
            f"{name:8} fill rate {score_text(a['fill_rate'])}  "
            f"cycle service {score_text(a['cycle_service_level'])}  "
            f"inventory value {score_text(a['inventory_value'], 0)}  "
            f"orders {score_text(a['orders'], 0)}"
        )
    typer.echo(f"tables backtest_* in {wh / 'analytics.duckdb'}")
    if json_out:
        typer.echo(f"summary: {json_out}")
    typer.echo(f"report with the exchange curve: {wh / 'backtest.html'}")


@app.command()
def serve(
    data: DataOpt = None,
    warehouse: WarehouseOpt = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Run the daily job on the schedule of the settings (schedule.cron, schedule.timezone) with a
    Prefect server (PREFECT_API_URL), one run at a time, until stopped."""
    try:
        settings = load_settings(config, warehouse_dir=warehouse)
        folder = data or settings.data_dir
        if folder is None:
            raise typer.BadParameter("give --data DIR or set data_dir", param_hint="--data")
        _no_telemetry()
        from flows.server import check_server

        url = check_server()  # before the slow import of the flow
        from flows.serve import serve as serve_daily

        cron = settings.schedule
        typer.echo(
            f"serving the daily job on {folder} at '{cron.cron}' ({cron.timezone}) "
            f"with the Prefect server {url}; stop with Ctrl-C"
        )
        serve_daily(folder, config, settings.warehouse_dir, cron)
    except ShortageRadarError as e:
        raise _fail(e, debug) from None


if __name__ == "__main__":
    app()
