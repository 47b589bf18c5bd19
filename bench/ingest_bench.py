"""Ingest speed and peak memory of the sales feed next to DuckDB's bare load, into BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import duckdb

# numpy, polars and pyarrow are imported where they are used: the bare DuckDB child must not
# carry them in its peak RSS.
if TYPE_CHECKING:
    import polars as pl

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {"csv": "sales.csv", "parquet": "sales.parquet"}
N_SKUS = 10_000
LAST_DAY = date(2026, 11, 23)
DAYS = 730
AS_OF = date(2026, 11, 24)
BAD_SHARE = 0.001
CHUNK = 2_000_000  # rows generated at a time, so the 50 M file never sits in memory whole
DATA_VERSION = 1  # bump when the generator changes, so cached files are made again
SPEED_GOAL = 0.5  # our rows/s at least half of DuckDB's bare load
MEMORY_GOAL_MB = 4000  # peak RSS under 4 GB (decimal, the stricter reading) ...
MEMORY_GOAL_ROWS = 50_000_000  # ... for 50 M sales rows
# The sources the measured path runs; a change elsewhere in src/ does not move the figures.
INGEST_CODE = (
    "shortage_radar/contract.py",
    "shortage_radar/errors.py",
    "shortage_radar/settings.py",
    "shortage_radar/ingest/*.py",
    "shortage_radar/warehouse/db.py",
)
SECTION = "## Ingest"
NEW_FILE = "# Benchmarks\n\nEach section is written by its benchmark script (`make bench`).\n"
DATA_TAG = "ingest-bench-data"

P = ParamSpec("P")
R = TypeVar("R")
Result = dict[str, Any]


# ---- synthetic data -------------------------------------------------------------------------


def ensure_data(workdir: Path, rows: int, seed: int) -> Path:
    """The folder holding items.csv, sales.csv and sales.parquet of `rows` rows, made once."""
    folder = workdir / f"sales-{rows}-seed{seed}-v{DATA_VERSION}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    _log(f"generating {rows:,} sales rows in {folder} ...")
    skus = [f"SKU-{i:06d}" for i in range(1, N_SKUS + 1)]
    with (folder / "items.csv").open("w") as fh:
        fh.write("sku,description\n" + "".join(f"{s},item {s}\n" for s in skus))
    _write_sales(folder, rows, seed)
    done.touch()  # written last: a half-made folder is made again next time
    _log(f"  done in {time.perf_counter() - t0:.1f} s")
    return folder


def _write_sales(folder: Path, rows: int, seed: int) -> None:
    """Write the same rows as CSV and as Parquet (native types), chunk by chunk."""
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    with (folder / FORMATS["csv"]).open("wb") as csv_out:
        for i, start in enumerate(range(0, rows, CHUNK)):
            df = _sales_chunk(min(CHUNK, rows - start), seed, i)
            df.write_csv(csv_out, include_header=i == 0)
            table = df.to_arrow()
            if writer is None:
                path = folder / FORMATS["parquet"]
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    if writer is not None:
        writer.close()


def _sales_chunk(n: int, seed: int, index: int) -> pl.DataFrame:
    """One chunk of sales lines; each chunk has its own seeded stream, so files are reproducible."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng([seed, index])
    first = (LAST_DAY - timedelta(days=DAYS - 1) - date(1970, 1, 1)).days
    days = rng.integers(0, DAYS, n) + first
    sku_idx = rng.integers(0, N_SKUS, n)
    quantity = rng.geometric(0.4, n).astype(np.int64)  # mostly 1..3, a long thin tail
    # ~0.1 % bad rows so the validation has real work: half negative, half an unknown sku.
    bad = rng.random(n) < BAD_SHARE
    negative = bad & (rng.random(n) < 0.5)
    unknown = bad & ~negative
    quantity[negative] = -quantity[negative]
    sku_idx[unknown] = N_SKUS + rng.integers(0, 100, int(unknown.sum()))
    skus = pl.Series([f"SKU-{i:06d}" for i in range(1, N_SKUS + 101)])
    u = pl.col("u")  # stockout: ~60 % empty, ~38 % false, ~2 % true
    return pl.DataFrame(
        {
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            "sku": skus.gather(sku_idx),
            "quantity": quantity,
            "location": pl.Series(["main", "north"]).gather((rng.random(n) >= 0.7).astype(np.int8)),
            "u": rng.random(n),
        }
    ).select("date", "sku", "quantity", "location", stockout=pl.when(u >= 0.6).then(u >= 0.98))


# ---- one measurement, in a child process ----------------------------------------------------


def child_ours(sales: Path) -> Result:
    """Load items, then time load_file of the sales file and its commit in a fresh warehouse."""
    from shortage_radar.ingest import load
    from shortage_radar.ingest.files import discover
    from shortage_radar.settings import load_settings
    from shortage_radar.warehouse import db

    phases: dict[str, float] = {}
    _instrument(load, phases)
    files = discover(sales.parent)
    items = next(f for f in files if f.feed == "items")
    landing = next(f for f in files if f.path.name == sales.name)
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        con = db.connect(Path(tmp) / "warehouse.duckdb", load_settings().duckdb)
        db.create_schema(con)
        con.begin()
        load.load_file(con, items, run_id=1, as_of=AS_OF, tmp=Path(tmp))
        con.commit()
        phases.clear()  # the items load is set-up, not part of the figure
        t0 = time.perf_counter()
        con.begin()
        entry = load.load_file(con, landing, run_id=1, as_of=AS_OF, tmp=Path(tmp))
        t1 = time.perf_counter()
        con.commit()
        seconds = time.perf_counter() - t0
        phases["commit"] = time.perf_counter() - t1
        con.close()
    return {
        "seconds": seconds,
        "peak_rss_kb": _peak_rss_kb(),
        "status": entry.status,
        "message": entry.message,
        "rows_read": entry.rows_read,
        "rows_loaded": entry.rows_loaded,
        "rows_quarantined": entry.rows_quarantined,
        "phases": phases,
    }


def _instrument(module: Any, phases: dict[str, float]) -> None:
    """Time the load's phases by wrapping the module's functions (src stays untouched)."""
    for attr, phase in (("content_hash", "hash"), ("_sink", "validate_sink"), ("_store", "store")):
        fn = getattr(module, attr, None)
        if callable(fn):  # a renamed helper just drops out of the breakdown
            setattr(module, attr, _timed(phases, phase, fn))


def _timed(phases: dict[str, float], name: str, fn: Callable[P, R]) -> Callable[P, R]:
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0

    return wrapper


def child_bare(sales: Path) -> Result:
    """Time DuckDB's own read_csv / read_parquet into a table, with the project's settings."""
    from shortage_radar.settings import load_settings
    from shortage_radar.warehouse import db

    reader = "read_parquet" if sales.suffix == ".parquet" else "read_csv"
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        con = db.connect(Path(tmp) / "warehouse.duckdb", load_settings().duckdb)
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}(?)", [str(sales)])  # noqa: S608
        seconds = time.perf_counter() - t0
        row = con.execute("SELECT count(*) FROM t").fetchone()
        con.close()
    return {"seconds": seconds, "peak_rss_kb": _peak_rss_kb(), "rows_read": row[0] if row else 0}


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def run_child(kind: str, sales: Path) -> Result:
    """One measurement in a fresh interpreter, so its peak RSS is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--file", str(sales)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{kind} load of {sales} failed (exit {done.returncode})")
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---- the benchmark --------------------------------------------------------------------------


def measure(folder: Path, rows: int, fmt: str, repeats: int) -> Result:
    """Alternate ours and bare loads of one file, so the machine's noise hits both alike."""
    sales = folder / FORMATS[fmt]
    ours: list[Result] = []
    bare: list[Result] = []
    for r in range(repeats):
        ours.append(run_child("ours", sales))
        bare.append(run_child("bare", sales))
        _log(
            f"  {fmt} {rows:>11,} rows, repeat {r + 1}/{repeats}: "
            f"ours {ours[-1]['seconds']:.2f} s, bare {bare[-1]['seconds']:.2f} s"
        )
    _check_counts(ours, bare, rows, sales)
    ours_s = statistics.median(o["seconds"] for o in ours)
    # Phases of the run nearest the median, not medians of phases: so they add up to its total.
    mid = min(ours, key=lambda o: abs(o["seconds"] - ours_s))
    bare_s = statistics.median(b["seconds"] for b in bare)
    return {
        "format": fmt,
        "rows": rows,
        "repeats": repeats,
        "ours_s": round(ours_s, 4),
        "bare_s": round(bare_s, 4),
        "ours_rss_mb": round(statistics.median(o["peak_rss_kb"] for o in ours) * 1024 / 1e6, 1),
        "bare_rss_mb": round(statistics.median(b["peak_rss_kb"] for b in bare) * 1024 / 1e6, 1),
        "quarantined": ours[0]["rows_quarantined"],
        "phases": {p: round(t, 4) for p, t in mid["phases"].items()},
        "phases_total_s": round(mid["seconds"], 4),
    }


def _check_counts(ours: list[Result], bare: list[Result], rows: int, sales: Path) -> None:
    """A fast load that lost rows is no result: every run must account for every row."""
    for o in ours:
        if (
            o["status"] != "loaded"
            or o["rows_read"] != rows
            or (o["rows_loaded"] + o["rows_quarantined"] != rows)
        ):
            raise SystemExit(f"our load of {sales} did not account for all {rows:,} rows: {o}")
    for b in bare:
        if b["rows_read"] != rows:
            raise SystemExit(f"DuckDB's load of {sales} read {b['rows_read']} rows, not {rows}")


def run_info(argv: list[str], sizes: list[int], repeats: int) -> Result:
    """What a reader needs to judge the figures: when, where, how, and how busy the machine was."""
    import polars as pl

    from shortage_radar.settings import load_settings

    u = os.uname()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cfg = load_settings().duckdb
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", "bench/ingest_bench.py", *argv]),
        "machine": f"{u.sysname} {u.release} {u.machine}, {os.cpu_count()} cores, "
        f"{mem / 2**30:.1f} GiB memory",
        "software": f"Python {sys.version.split()[0]}, polars {pl.__version__}, "
        f"DuckDB {duckdb.__version__}; DuckDB memory_limit={cfg.memory_limit}, "
        f"threads={cfg.threads or 'one per core'}",
        "code": code_version(),
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "sizes": sizes,
        "repeats": repeats,
    }


def code_version() -> str:
    """The commit checked out and a digest of the ingest's sources: others edit src/ meanwhile."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for pattern in INGEST_CODE for p in (ROOT / "src").glob(pattern)):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return f"commit {_head_commit()[:10]}, ingest code sha256 {digest.hexdigest()[:10]}"


def _head_commit() -> str:
    """HEAD's commit, read from .git's files (no git process: the bench must not need git)."""
    git = ROOT / ".git"
    try:
        if git.is_file():  # a worktree's: it names its own folder, whose refs are the main one's
            git = (ROOT / git.read_text().strip().removeprefix("gitdir: ")).resolve()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        if (common / ref).is_file():
            return (common / ref).read_text().strip()
        packed = (common / "packed-refs").read_text().splitlines()
        return next(line.split()[0] for line in packed if line.endswith(" " + ref))
    except (OSError, StopIteration):
        return "unknown"


# ---- BENCHMARKS.md --------------------------------------------------------------------------


def write_report(out: Path, run: Result, results: list[Result]) -> None:
    """Replace the Ingest section, keeping figures of sizes this run did not measure."""
    text = out.read_text() if out.exists() else NEW_FILE
    head, section, tail = _split(text)
    old = _stored(section)
    run["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    now = code_version()
    if now.split(", ")[1] != run["code"].split(", ")[1]:  # each child imports src/ afresh
        run["code"] += f"; **ingest code changed during the run**, at the end: {now}"
    runs = [*old.get("runs", []), run]
    for r in results:
        r["run"] = len(runs)
    kept = [r for r in old.get("results", []) if _key(r) not in {_key(n) for n in results}]
    merged = sorted([*kept, *results], key=lambda r: (r["format"] != "csv", r["rows"]))
    used = sorted({r["run"] for r in merged})
    renumber = {old_no: i + 1 for i, old_no in enumerate(used)}
    for r in merged:
        r["run"] = renumber[r["run"]]
    runs = [runs[n - 1] for n in used]
    body = render(runs, merged)
    out.write_text(head + body + tail)


def _split(text: str, section: str = SECTION) -> tuple[str, str, str]:
    """(before, the section, after): sections of other benchmarks stay as they are."""
    start = re.search(rf"^{re.escape(section)}[ \t]*$", text, flags=re.M)
    if start is None:
        return text.rstrip("\n") + "\n\n", "", ""
    end = re.search(r"^## ", text[start.end() :], flags=re.M)
    stop = start.end() + end.start() if end else len(text)
    return text[: start.start()], text[start.start() : stop], text[stop:]


def _stored(section: str) -> Result:
    m = re.search(rf"<!-- {DATA_TAG}\n(.*?)\n-->", section, flags=re.S)
    stored: Result = json.loads(m.group(1)) if m else {}
    return stored


def _key(r: Result) -> tuple[str, int]:
    return r["format"], r["rows"]


def render(runs: list[Result], results: list[Result]) -> str:
    """The Ingest section: setup, one table per format, the phase breakdown and the goals."""
    lines = [
        SECTION,
        "",
        "Validated ingest of the `sales` feed (`load_file` of a fresh warehouse holding only the "
        "items, then the commit: hash the file, validate it, keep the rows as read, load the good "
        "rows into staging and the bad into quarantine) next "
        "to DuckDB's bare `read_csv(file)` / `read_parquet(file)` into a new table (`CREATE TABLE "
        "t AS`) on the same file in the same run. Synthetic rows (`date,sku,quantity,location,"
        f"stockout`, {N_SKUS:,} skus, 2 locations, ~0.1 % bad rows). Each load runs in its own "
        "process (peak RSS is that process's `ru_maxrss`), ours and bare alternating; figures are "
        "medians over the repeats. The machine is shared, so read the ratio rather than the "
        "absolute speed. Ratio = ours rows/s / bare rows/s.",
        "",
        "Runs:",
        "",
    ]
    for i, run in enumerate(runs, 1):
        lines += [
            f"{i}. {run['when']}: `{run['command']}`",
            f"   - machine: {run['machine']}",
            f"   - {run['software']}",
            f"   - code: {run.get('code', 'not recorded')}",
            f"   - load average before / after: {run['load_before']} / {run.get('load_after')}",
        ]
    for fmt, title in (("csv", "CSV"), ("parquet", "Parquet")):
        rows = [r for r in results if r["format"] == fmt]
        if rows:
            lines += ["", f"### {title}", "", *_table(rows)]
    lines += [
        "",
        "### Where our time goes",
        "",
        "Seconds per phase of our load in its median run; DuckDB's bare load (median) beside it.",
        "",
        *_phase_table(results),
    ]
    lines += ["", "### Goals", "", *_goals(results), ""]
    data = json.dumps({"runs": runs, "results": results}, indent=1, default=str)
    lines += [f"<!-- {DATA_TAG}", data, "-->", ""]
    return "\n".join(lines) + "\n"


def _table(rows: list[Result]) -> list[str]:
    out = [
        "| rows | ours rows/s | DuckDB bare rows/s | ratio | ours peak RSS MB "
        "| bare peak RSS MB | repeats | run |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['rows']:,} | {r['rows'] / r['ours_s']:,.0f} | {r['rows'] / r['bare_s']:,.0f} "
            f"| {r['bare_s'] / r['ours_s']:.2f} | {r['ours_rss_mb']:,.0f} "
            f"| {r['bare_rss_mb']:,.0f} | {r['repeats']} | {r['run']} |"
        )
    return out


def _phase_table(results: list[Result]) -> list[str]:
    names = ["hash", "validate_sink", "store", "commit"]
    out = [
        "| format | rows | total | file hash | validate + sink (polars) | store (DuckDB inserts) "
        "| commit | other | bare DuckDB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ph = [r["phases"].get(n, 0.0) for n in names]
        total = r.get("phases_total_s", r["ours_s"])
        cells = " | ".join(f"{x:.2f}" for x in [total, *ph, total - sum(ph), r["bare_s"]])
        out.append(f"| {r['format']} | {r['rows']:,} | {cells} |")
    return out


def _goals(results: list[Result]) -> list[str]:
    speed = ", ".join(
        f"{r['format']} {r['rows']:,}: {r['bare_s'] / r['ours_s']:.2f}" for r in results
    )
    slow = [r for r in results if r["bare_s"] / r["ours_s"] < SPEED_GOAL]
    verdict = "**met**" if not slow else f"**not met** ({len(slow)} of {len(results)} cases below)"
    lines = [f"- Speed, ours at least {SPEED_GOAL:g} x DuckDB's bare rows/s: {verdict}; {speed}."]
    big = [r for r in results if r["rows"] >= MEMORY_GOAL_ROWS]
    if not big:
        lines.append(
            f"- Memory, ours under {MEMORY_GOAL_MB / 1000:g} GB peak RSS at "
            f"{MEMORY_GOAL_ROWS:,} rows: "
            "**not measured** (run with `--with-50m`)."
        )
    else:
        over = [r for r in big if r["ours_rss_mb"] >= MEMORY_GOAL_MB]
        seen = ", ".join(f"{r['format']} {r['rows']:,}: {r['ours_rss_mb']:,.0f} MB" for r in big)
        verdict = "**met**" if not over else "**not met**"
        lines.append(
            f"- Memory, ours under {MEMORY_GOAL_MB / 1000:g} GB peak RSS at "
            f"{MEMORY_GOAL_ROWS:,} rows: "
            f"{verdict} ({seen})."
        )
    return lines


# ---- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="1000000,10000000", help="comma-separated row counts")
    p.add_argument("--with-50m", action="store_true", help="also 50,000,000 rows (~1.5 GB CSV)")
    p.add_argument("--repeats", type=_positive, default=3, help="loads of each kind per file")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/shortage-radar-bench"))
    p.add_argument(
        "--out", type=Path, help="default BENCHMARKS.md; with --quick, a file in the workdir"
    )
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--quick", action="store_true", help="100,000 rows, 1 repeat: a smoke test")
    p.add_argument("--child", choices=["ours", "bare"], help=argparse.SUPPRESS)
    p.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes wants comma-separated row counts, got {args.sizes!r}")
    return args


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.child:
        child = child_ours if args.child == "ours" else child_bare
        print(json.dumps(child(args.file)))
        return 0
    sizes = [100_000] if args.quick else args.sizes
    if args.with_50m and MEMORY_GOAL_ROWS not in sizes:
        sizes.append(MEMORY_GOAL_ROWS)
    repeats = 1 if args.quick else args.repeats
    run = run_info(argv, sizes, repeats)
    results = []
    for rows in sizes:
        folder = ensure_data(args.workdir, rows, args.seed)
        for fmt in FORMATS:
            results.append(measure(folder, rows, fmt, repeats))
    # A smoke test must not put its toy figures into the project's BENCHMARKS.md.
    quick_out = args.workdir / "BENCHMARKS-quick.md"
    out = args.out or (quick_out if args.quick else ROOT / "BENCHMARKS.md")
    write_report(out, run, results)
    for fmt in FORMATS:
        print(f"\n{fmt}:\n" + "\n".join(_table([r for r in results if r["format"] == fmt])))
    print("\n" + "\n".join(_goals(results)))
    _log(f"wrote {out}")
    return 0


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
