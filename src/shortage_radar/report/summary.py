"""The short summary printed at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import typer

from shortage_radar.warehouse import db


@dataclass
class RunSummary:
    """What a good run tells at its end."""

    run_id: int
    as_of: date
    warehouse_dir: Path
    totals: list[dict[str, Any]] = field(default_factory=list)  # per feed, see feed_totals
    published: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)  # one line per stage after ingest
    report: Path | None = None  # the buyers' report page (reports/<as_of>/index.html)
    counts: dict[str, int] = field(default_factory=dict)  # see headline_counts


# The reason codes in the words a buyer reads.
REASON_WORDS = {
    "demand_surge": "demand surge",
    "supplier_late": "supplier late",
    "lead_time_increase": "lead time grew",
    "no_open_supply": "nothing on order",
    "below_safety_stock": "below safety stock",
    "backorders_open": "backorders open",
    "high_uncertainty": "uncertain forecast",
}


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]], left: int = 1) -> str:
    """Plain-text columns: the first `left` and the last left-aligned (words), the others
    right-aligned (numbers)."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    last = len(head) - 1
    line = "  ".join(
        f"{{:{'<' if i < left or (i == last and left > 1) else '>'}{w}}}"
        for i, w in enumerate(widths)
    )
    return "\n".join(line.format(*map(str, r)).rstrip() for r in [head, *rows])


def risk_lines(con: duckdb.DuckDBPyConnection, top: int = 10) -> list[str]:
    """The top warnings with their reasons, and today's orders per supplier, as text lines."""
    warned = con.execute(
        "SELECT risk_rank, sku, location, severity, stockout_probability, "
        "expected_stockout_date, expected_units_short, value_at_risk, status, reasons "
        "FROM core.shortage_warnings WHERE status <> 'resolved' ORDER BY risk_rank LIMIT ?",
        [top],
    ).fetchall()
    out = [f"top {len(warned)} shortage warnings (act on rank 1 first):"]
    if warned:
        out.append(
            _table(
                (
                    "rank",
                    "sku",
                    "location",
                    "severity",
                    "P(out)",
                    "runs out",
                    "short",
                    "value",
                    "status",
                    "why",
                ),
                [
                    (
                        r[0],
                        r[1],
                        r[2],
                        r[3],
                        f"{r[4]:.0%}",
                        r[5] or "-",
                        f"{r[6]:.0f}",
                        f"{r[7]:,.0f}",
                        r[8],
                        ", ".join(REASON_WORDS.get(c, c) for c in r[9]),
                    )
                    for r in warned
                ],
                left=4,
            )
        )
    orders = con.execute(
        "SELECT supplier_id, count(*), sum(order_quantity), min(order_by_date) "
        "FROM core.reorder_suggestions WHERE action = 'order' GROUP BY ALL ORDER BY 3 DESC"
    ).fetchall()
    out += ["", f"order suggestions: {sum(r[1] for r in orders)} lines"]
    if orders:
        out.append(
            _table(
                ("supplier", "lines", "units", "order by"),
                [(r[0], r[1], f"{r[2]:,.0f}", r[3]) for r in orders],
            )
        )
    (expedite,) = db.one(
        con, "SELECT count(*) FROM core.reorder_suggestions WHERE action = 'expedite'"
    )
    out += [f"PO lines to expedite: {expedite}", ""]
    return out


SEVERITIES = ("critical", "high", "medium", "low")


def headline_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """What the one-line result tells: open warnings (all and per severity), order lines."""
    rows = con.execute(
        "SELECT severity, count(*) FROM core.shortage_warnings WHERE status <> 'resolved' "
        "GROUP BY severity"
    ).fetchall()
    by_severity = {k: int(n) for k, n in rows}
    (orders,) = con.execute(
        "SELECT count(*) FROM core.reorder_suggestions WHERE action = 'order'"
    ).fetchall()[0]
    return {
        "warnings": sum(by_severity.values()),
        **{k: by_severity.get(k, 0) for k in SEVERITIES},
        "orders": int(orders),
    }


def one_line(s: RunSummary) -> str:
    """The whole result in one line, for cron mail and logs (`run --quiet`)."""
    loaded = sum(int(t["rows_loaded"]) for t in s.totals)
    quarantined = sum(int(t["rows_quarantined"]) for t in s.totals)
    rejected = sum(int(t["rejected"]) for t in s.totals)
    c = s.counts
    severe = ", ".join(f"{c[k]} {k}" for k in SEVERITIES[:2] if c.get(k))
    parts = [
        f"run {s.run_id} for as-of {s.as_of}: succeeded",
        f"{loaded:,} rows loaded, {quarantined:,} quarantined, {rejected} files rejected",
        f"{c.get('warnings', 0)} shortage warnings" + (f" ({severe})" if severe else ""),
        f"{c.get('orders', 0)} order suggestions",
        f"results: {s.warehouse_dir / 'analytics.duckdb'}",
        *([f"report: {s.report}"] if s.report is not None else []),
    ]
    return "; ".join(parts)


def format_summary(s: RunSummary) -> str:
    """Rows loaded and quarantined per feed, tables published, and where to look next."""
    head = ("feed", "files", "skipped", "rejected", "rows read", "loaded", "quarantined")
    rows = [
        (
            t["feed"] or "(no feed)",
            t["files"],
            t["skipped"],
            t["rejected"],
            t["rows_read"],
            t["rows_loaded"],
            t["rows_quarantined"],
        )
        for t in s.totals
    ]
    table = _table(head, rows)
    quarantined = sum(int(t["rows_quarantined"]) for t in s.totals)
    rejected = sum(int(t["rejected"]) for t in s.totals)
    adb = s.warehouse_dir / "analytics.duckdb"
    out = [
        f"run {s.run_id} for as-of {s.as_of}: succeeded",
        "",
        table,
        "",
        *s.stages,
        f"published: {', '.join(s.published)}",
        f"query them read-only, also during a run: duckdb.connect('{adb}', read_only=True)",
    ]
    if quarantined or rejected:
        out.append(  # a query printed for people to run, not run here
            f"look next: {quarantined} quarantined rows and {rejected} rejected files, "  # noqa: S608
            "with reasons: SELECT file, row_number, column_name, reason FROM quarantine "
            f"WHERE run_id = {s.run_id}"
        )
    if s.report is not None:  # last, so the final line of a run is where to look
        out.append(f"buyers' report: {s.report}")
    return "\n".join(out)


def print_summary(s: RunSummary, *, quiet: bool = False) -> None:
    typer.echo(one_line(s) if quiet else format_summary(s))
