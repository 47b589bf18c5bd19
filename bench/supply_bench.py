"""Speed and peak memory of the projection and policy step (supply.simulate) into BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from ingest_bench import _split, run_info  # same machine facts and section layout as ingest

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Projection and policy speed"
GOAL_SECONDS = 60


def inputs(series: int, paths: int, days: int, seed: int) -> Any:
    """Synthetic but shaped like a run: rates from slow to fast movers, a third of the series
    with an open PO line, a fifth with customer orders, lead times of 3 to 30 days."""
    from shortage_radar.supply.simulate import Inputs

    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 5.0, series)
    # as in the stage: paths run past `days` only where lead time + review (here at most
    # 30 + 7 + 1 days) is longer
    span = max(days, 30 + 7 + 1)
    lines = rng.choice(series, series // 3, replace=False)
    orders = np.sort(rng.choice(series, series // 5, replace=False))
    return Inputs(
        mean=np.repeat(rate[:, None], span, axis=1),
        shock_var=rng.uniform(0.0, 2.0, series),
        level_var=rng.uniform(0.0, 0.1, series),
        on_hand=rate * rng.uniform(0, 40, series),
        past_due=np.zeros(series),
        booked=np.zeros((series, days)),
        line_series=lines,
        line_qty=rate[lines] * 20,
        arrive=rng.integers(0, 40, (lines.size, paths)),
        lead=rng.integers(3, 31, (2, series, paths)),
        service=np.full(series, 0.95),
        review_days=7,
        measure="cycle",
        order_series=orders,
        order_need=rate[orders] * 5,
        order_day=rng.integers(-3, 30, orders.size),
        days=days,
    )


def child(series: int, paths: int, days: int) -> dict[str, float]:
    from shortage_radar.supply.simulate import simulate

    x = inputs(series, paths, days, seed=1)
    t0 = time.perf_counter()
    simulate(x, paths, np.random.default_rng(2))
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.series, args.paths, args.days)))
        return 0
    run = run_info(argv, [args.series], args.repeats)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--series",
        str(args.series),
        "--paths",
        str(args.paths),
        "--days",
        str(args.days),
    ]
    results = [
        json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        for _ in range(args.repeats)
    ]
    run["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    med = statistics.median(r["seconds"] for r in results)
    each = ", ".join(f"{r['seconds']:.1f}" for r in results)
    peak = max(r["peak_rss_mb"] for r in results)
    text = "\n".join(
        [
            SECTION,
            "",
            f"Written by `python bench/supply_bench.py {' '.join(argv)}` on {run['when']}.",
            f"Machine: {run['machine']}; {run['software']}; {run['code']}; load average before "
            f"{run['load_before']}, after {run['load_after']}.",
            "",
            "`supply.simulate` (demand paths, projection, risk before replenishment, reorder "
            "levels for two supplier choices, customer-order ship days) on "
            f"{args.series:,} series x {args.days} days x {args.paths:,} paths of synthetic "
            "inputs shaped like a run "
            "(`bench/supply_bench.py: inputs`), each run in its own process.",
            "",
            "| runs | seconds (each) | median seconds | peak RSS MB |",
            "|---:|---|---:|---:|",
            f"| {len(results)} | {each} | {med:.1f} | {peak:.0f} |",
            "",
            f"Goal: under {GOAL_SECONDS} s: {'met' if med < GOAL_SECONDS else 'not met'}.",
            "",
        ]
    )
    old = args.out.read_text() if args.out.exists() else "# Benchmarks\n"
    head, _, tail = _split(old, SECTION)
    args.out.write_text(head + text + tail)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
