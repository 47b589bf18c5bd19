"""The short summary printed at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import typer


@dataclass
class RunSummary:
    """What a good run tells at its end."""

    run_id: int
    as_of: date
    warehouse_dir: Path
    totals: list[dict[str, Any]] = field(default_factory=list)  # per feed, see feed_totals
    published: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)  # one line per stage after ingest


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
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    table = "\n".join(line.format(*map(str, r)) for r in [head, *rows])
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
    return "\n".join(out)


def print_summary(s: RunSummary) -> None:
    typer.echo(format_summary(s))
