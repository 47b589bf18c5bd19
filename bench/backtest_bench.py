"""Backtest speed (1,000 daily SKUs x 52 weekly reviews) and carparts results for BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ingest_bench import _split, run_info  # same machine facts and section layout as ingest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
SPEED = "## Backtest speed"
CARPARTS = "## Backtest on carparts"
GOAL_SECONDS = 600
# A flow run starts a temporary Prefect server; on a busy 2-core machine it can take longer
# than Prefect's default 20 s to answer (tests/conftest.py waits as long).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
METRICS = ("fill_rate", "cycle_service_level", "inventory_value", "orders", "units_short")


def speed_child(skus: int, reviews: int, work: Path, curve: bool) -> dict[str, Any]:
    from flows.backtest import backtest

    from shortage_radar.sample_data import SampleSpec, write_feeds
    from shortage_radar.settings import Settings

    end = date(2026, 6, 30)
    write_feeds(work / "land", SampleSpec(skus=skus, locations=1, days=730, end=end))
    first = end - timedelta(days=7 * reviews)
    # ours and both baselines once, without the exchange curve (which replays ours and the
    # textbook rule again at each of its levels) unless `curve`: the default command
    settings = Settings(warehouse_dir=work / "wh", backtest={} if curve else {"curve_levels": []})
    t0 = time.perf_counter()
    summary = backtest(settings, work / "land", first, first + timedelta(days=7 * (reviews - 1)), 7)
    return {
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "reviews": summary["reviews"],
        "series": summary["series"],
        "all": {m: v["all"] for m, v in summary["methods"].items()},
        "curve_levels": summary["settings"]["backtest"]["curve_levels"],
    }


def carparts_landing(out: Path, seed: int = 0) -> None:
    """A landing folder of the carparts demand with suppliers whose lead times are the real
    SCMS ones: each part gets one SCMS vendor (of those with at least 20 delivered lines,
    drawn at random), quoted its median lead time; the vendor's real PO lines (dates moved 13
    years back, so that they come before the carparts months) are its history."""
    import numpy as np
    import polars as pl

    sys.path.insert(0, str(ROOT / "scripts"))
    from scms_to_purchase_orders import convert

    scms = out / "scms"
    convert(REAL / "scms_delivery_history.csv", scms)
    shift = pl.duration(days=-13 * 365)
    pos = pl.read_csv(scms / "purchase_orders.csv", infer_schema_length=0).with_columns(
        pl.col(c).str.to_date(strict=False) + shift
        for c in ("order_date", "promised_date", "received_date")
    )
    lead = (pl.col("received_date") - pl.col("order_date")).dt.total_days()
    vendors = (
        pos.filter(lead.is_not_null() & (lead >= 0))
        .group_by("supplier_id")
        .agg(n=pl.len(), median=lead.median())
        .filter(pl.col("n") >= 20)
        .sort("supplier_id")
    )
    demand = pl.read_csv(REAL / "carparts_long.csv").drop_nulls("demand")
    parts = demand["series_id"].unique().sort().cast(pl.String)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, vendors.height, parts.len())
    items = pl.read_csv(scms / "items.csv", infer_schema_length=0).select("sku", "description")
    pl.concat(
        [
            pl.DataFrame({"sku": parts, "description": "car part", "unit_cost": 1.0}),
            items.with_columns(unit_cost=pl.lit(1.0)),
        ]
    ).write_csv(out / "items.csv")
    pl.DataFrame(
        {
            "supplier_id": vendors["supplier_id"].gather(pick),
            "sku": parts,
            "lead_time_days": vendors["median"].gather(pick).round(0).clip(1),
            "priority": 1,
        }
    ).write_csv(out / "supplier_items.csv")
    pos.write_csv(out / "purchase_orders.csv")
    demand.select(
        date=(pl.col("month") + "-01"), sku=pl.col("series_id").cast(pl.String), quantity="demand"
    ).write_csv(out / "sales.csv")


def carparts_child(work: Path, reviews: int, inactive: str, measure: str) -> dict[str, Any]:
    from flows.backtest import backtest

    from shortage_radar.settings import Settings

    carparts_landing(work / "land")
    # Monthly: warnings scored 7 and 14 months ahead (the projection then covers 420 days),
    # the curve at six more levels (each replays the supply side of the 24 monthly reviews
    # on the first replay's forecasts), below 0.8 too, to reach the min/max rule's fill rates
    # (a low target's fill rate comes out well above it).
    settings = Settings(
        warehouse_dir=work / "wh",
        freq="M",
        backtest={
            "horizons": [7, 14],
            "curve_levels": [0.3, 0.45, 0.6, 0.8, 0.9, 0.99],
            "poisson_paths": 100,
            "warnings_on": ["min_max", "textbook"],
        },
        forecast={"inactive_model": inactive},
        policy={"service_measure": measure},
    )
    # the last `reviews` months of the data (it ends 2002-03); a window that runs past the
    # end is not scored, so the early reviews carry the 7- and 14-month warning scores
    end = date(2002, 3, 1)
    first = date(2002 - (reviews + 8) // 12, (3 - reviews) % 12 + 1, 1)
    t0 = time.perf_counter()
    summary = backtest(settings, work / "land", first, end, 1, work / "carparts.json")
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "summary": summary,
        "records": _records(work / "wh"),
        "warnings": _warning_tables(work / "wh", summary["warning_calibration"]),
    }


def _records(warehouse: Path) -> list[dict[str, Any]]:
    """Per method, the fill rate of demand above every earlier month's of its part (a record:
    nothing in the history said it could come) and of the rest."""
    import duckdb

    con = duckdb.connect(str(warehouse / "backtest.duckdb"), read_only=True)
    rows = con.sql(
        """
        WITH s AS (SELECT sku || '@main' AS unique_id, date AS ds, sum(quantity) AS y
                   FROM staging.sales GROUP BY ALL),
        m AS (SELECT unique_id, ds, coalesce(max(y) OVER (PARTITION BY unique_id ORDER BY ds
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM s)
        SELECT method, l.demand > m.before AS record, sum(l.demand) AS demand,
               1 - sum(l.short) / sum(l.demand) AS fill_rate
        FROM core.backtest_ledger l JOIN m USING (unique_id, ds)
        WHERE l.demand > 0 GROUP BY ALL ORDER BY ALL
        """
    ).pl()
    con.close()
    return rows.to_dicts()


def _warning_tables(warehouse: Path, calibration: list[dict[str, Any]]) -> list[str]:
    """Ours' calibration (the summary's warning_calibration) on its own and on the min/max
    rule's stock, and from backtest_warnings its precision and recall there at other
    thresholds, and per method the stock-outs of parts that had not sold before the review
    (no forecast can see those coming)."""
    import duckdb

    con = duckdb.connect(str(warehouse / "backtest.duckdb"), read_only=True)
    sweep = con.sql(
        """
        SELECT method, horizon, t, count(*) FILTER (probability >= t AND stockout)
                   / count(*) FILTER (probability >= t),
               count(*) FILTER (probability >= t AND stockout) / count(*) FILTER (stockout)
        FROM core.backtest_warnings, (SELECT unnest([0.2, 0.3, 0.5, 0.7, 0.9]) AS t)
        WHERE method IN ('ours', 'ours_on_min_max') GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    unsold = con.sql(
        """
        WITH first AS (SELECT sku || '@main' AS unique_id, min(date) AS first_sale
                       FROM staging.sales WHERE quantity > 0 GROUP BY ALL)
        SELECT method, horizon, count(*) FILTER (stockout),
               count(*) FILTER (stockout AND (first_sale IS NULL OR first_sale >= as_of))
        FROM core.backtest_warnings LEFT JOIN first USING (unique_id) GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    con.close()
    return [
        "Calibration of ours' chance of a stock-out unless acted, on its own stock and on the "
        "min/max rule's (per tenth of probability, the share of reviews whose window had one):",
        "",
        "| stock of | horizon | probability | reviews | mean probability | stock-out share |",
        "|---|---|---|---:|---:|---:|",
        *(
            f"| {b['method']} | {b['horizon']} | {b['low']:.1f}-{b['low'] + 0.1:.1f} | "
            f"{b['reviews']:,} | {b['mean_probability']:.2f} | {b['stockout_share']:.2f} |"
            for b in calibration
            if b["method"] in ("ours", "ours_on_min_max")
        ),
        "",
        "Ours' warnings at other thresholds ([backtest] warn_probability):",
        "",
        "| stock of | horizon | threshold | precision | recall |",
        "|---|---|---:|---:|---:|",
        *(f"| {m} | {h} | {t:.1f} | {pr:.2f} | {rc:.2f} |" for m, h, t, pr, rc in sweep),
        "",
        "Stock-outs (unless acted) of parts with no sale before the review: no forecast warns "
        "of them, so recall can reach at most 1 minus their share:",
        "",
        "| method | horizon | stock-outs | of parts unsold before | share |",
        "|---|---|---:|---:|---:|",
        *(f"| {m} | {h} | {a:,} | {b:,} | {b / a:.2f} |" for m, h, a, b in unsold if a),
    ]


def _known_rates(methods: dict[str, dict[str, Any]], horizons: tuple[int, ...]) -> list[str]:
    """Per method and horizon, its warnings at the threshold where precision and recall are
    most nearly both high, and the same for Poisson demand at known rates on its stock."""

    def pair(a: dict[str, Any], k: str, h: int) -> str:
        p, r = a.get(f"{k}_precision_{h}"), a.get(f"{k}_recall_{h}")
        return "-" if p is None or r is None else f"{p:.2f} / {r:.2f}"

    return [
        "Warnings at their balanced threshold (the one where min(precision, recall) is "
        "highest: a goal of both at least g is reachable at some threshold exactly when that "
        "min is at least g), precision / recall; and the same on each method's own stock for "
        "the chance of Poisson demand at a known rate (`backtest/known_rate.py`): two oracles, "
        "*window* at the mean of what each window then sold (nearly its outcome) and *history* "
        "at each part's mean over all the data, before and during the replay (the long-run "
        "rate: what it misses is the noise of counts, which no forecast takes away, and the "
        "rate moving); and two plain forecasters, *to date* at each part's mean before the "
        "review and *last year* at its mean over the 12 months before it (a moving rate "
        "followed). All four know when open orders really arrive, which ours does not. "
        "*Held out*: the balanced threshold chosen on the earlier half of the scored reviews "
        "and applied to the later half, its precision / recall there (the threshold not "
        "fitted to the rows it is scored on):",
        "",
        "| method | horizon | threshold | balanced | held out at | held out | window oracle "
        "| history oracle | to date | last year |",
        "|---|---:|---:|---|---:|---|---|---|---|---|",
        *(
            f"| {name} | {h} | {a.get(f'balanced_threshold_{h}') or 0:.2f} | "
            f"{pair(a, 'balanced', h)} | {a.get(f'held_out_threshold_{h}') or 0:.2f} | "
            f"{pair(a, 'held_out', h)} | {pair(a, 'poisson_window', h)} | "
            f"{pair(a, 'poisson_history', h)} | {pair(a, 'poisson_to_date', h)} | "
            f"{pair(a, 'poisson_last_year', h)} |"
            for name, a in methods.items()
            for h in horizons
        ),
    ]


def _row(name: str, a: dict[str, Any], horizons: tuple[int, ...]) -> str:
    cells = [f"{a[m]:.3f}" if m != "orders" else f"{a[m]:.0f}" for m in METRICS]
    for h in horizons:
        cells += [
            "-" if a.get(f"{k}_{h}") is None else f"{a[f'{k}_{h}']:.2f}"
            for k in ("precision", "recall", "realized_precision", "realized_recall", "median_lead")
        ]
    return f"| {name} | " + " | ".join(cells) + " |"


def _table(methods: dict[str, dict[str, Any]], horizons: tuple[int, ...]) -> list[str]:
    head = ["method", *METRICS]
    for h in horizons:
        head += [f"{k} {h}" for k in ("precision", "recall", "realized P", "realized R")]
        head.append(f"median lead {h}")
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *(_row(name, a, horizons) for name, a in methods.items()),
    ]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--part", choices=("speed", "carparts", "all"), default="all")
    ap.add_argument("--skus", type=int, default=1000)
    ap.add_argument("--reviews", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=3, help="speed runs; the goal is on the median")
    ap.add_argument(
        "--baseline-n-jobs",
        type=int,
        default=1,
        help="[forecast] n_jobs of a baseline speed run after each of ours, side by side "
        "(1: the automatic models in one process); 0 runs no baseline",
    )
    ap.add_argument("--child", choices=("speed", "carparts"))
    ap.add_argument(
        "--inactive",
        choices=("Zero", "LongRunRate"),
        default="LongRunRate",
        help="[forecast] inactive_model of the carparts replay (Zero leaves the parts idle "
        "for 180 days without stock, a third of them)",
    )
    ap.add_argument(
        "--measure",
        choices=("cycle", "fill_rate"),
        default="fill_rate",
        help="[policy] service_measure of the carparts replay: what the target is a target of "
        "(the goal is on the fill rate)",
    )
    ap.add_argument(
        "--curve-runs",
        type=int,
        default=1,
        help="speed runs of the default command, exchange curve included, after the others",
    )
    ap.add_argument("--with-curve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, default=Path("/tmp/shortage-radar-backtest-bench"))
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = ap.parse_args(argv)
    if args.child == "speed":
        print(json.dumps(speed_child(args.skus, args.reviews, args.work, args.with_curve)))
        return 0
    if args.child == "carparts":
        got = carparts_child(args.work, args.reviews, args.inactive, args.measure)
        print(json.dumps(got, default=str))
        return 0
    run = run_info(argv, [args.skus], 1)
    text = args.out.read_text() if args.out.exists() else "# Benchmarks\n"
    header = [
        f"Written by `python bench/backtest_bench.py {' '.join(argv)}` on {run['when']}.",
        f"Machine: {run['machine']}; {run['software']}; {run['code']}; load average before "
        f"{run['load_before']}.",
        "",
    ]
    if args.part in ("speed", "all"):
        base = args.baseline_n_jobs
        runs: list[dict[str, Any]] = []
        bases: list[dict[str, Any] | None] = []
        for _ in range(args.repeats):  # alternated, so that a noisy spell hits both alike
            runs.append(_child("speed", args))
            bases.append(_child("speed", args, n_jobs=base) if base else None)
        curved = [_child("speed", args, curve=True) for _ in range(args.curve_runs)]
        got = runs[-1]
        median = statistics.median(r["seconds"] for r in runs)
        ok = "met" if median < GOAL_SECONDS else "not met"
        versus = ""
        if base:
            was = statistics.median(b["seconds"] for b in bases if b)
            versus = (
                f" Baseline, the same code with `[forecast] n_jobs = {base}`, run after each "
                f"of ours: median {was:.0f} s, so ours / baseline = {median / was:.2f}."
            )
        section = [
            SPEED,
            "",
            *header,
            f"`shortage-radar backtest` (the Prefect flow: ingest, replay of ours, min/max and "
            f"textbook, scores, publish) on the sample generator's {got['series']:,} daily "
            f"SKUs x 730 days, {got['reviews']} weekly reviews, without the exchange curve "
            "(`curve_levels = []`: the curve replays ours and the textbook rule again per "
            f"level); {len(runs)} run(s) of ours, each in its own process.",
            "",
            "| run | seconds | peak RSS MB | baseline seconds | baseline peak RSS MB |",
            "|---:|---:|---:|---:|---:|",
            *(
                f"| {i} | {r['seconds']:.0f} | {r['peak_rss_mb']:.0f} | "
                + (f"{b['seconds']:.0f} | {b['peak_rss_mb']:.0f} |" if b else " | |")
                for i, (r, b) in enumerate(zip(runs, bases, strict=True), 1)
            ),
            "",
            f"Goal: under {GOAL_SECONDS} s (the median, {median:.0f} s): {ok}.{versus} Scores "
            "of our last run (the runs replay the same data and draws):",
            "",
            *_table(got["all"], (7, 14, 28)),
            "",
        ]
        if curved:
            with_curve = statistics.median(r["seconds"] for r in curved)
            each = ", ".join(f"{r['seconds']:.0f}" for r in curved)
            section += [
                f"The default command, with the exchange curve (`curve_levels` "
                f"{curved[0]['curve_levels']}: ours and the textbook rule replayed again at "
                "each, in lockstep with the replays above, on their forecasts and demand "
                f"paths), run after the above: {each} s, median {with_curve:.0f} s, peak RSS "
                f"{max(r['peak_rss_mb'] for r in curved):.0f} MB: "
                f"{'met' if with_curve < GOAL_SECONDS else 'not met'} against the same goal.",
                "",
            ]
        text = _replaced(text, SPEED, section)
    if args.part in ("carparts", "all"):
        got = _child("carparts", args, reviews=24)
        s = got["summary"]
        per_class = [
            f"| {c} | "
            + " | ".join(f"{s['methods'][m][c]['fill_rate']:.3f}" for m in s["methods"])
            + " |"
            for c in s["methods"]["ours"]
        ]
        alive = s["settings"]["forecast"]["inactive_alive"]
        title = (
            f"{CARPARTS} (inactive_model {args.inactive}, inactive_alive {alive}, "
            f"service_measure {args.measure})"
        )
        target = {"cycle": "cycle service level", "fill_rate": "fill rate"}[args.measure]
        section = [
            title,
            "",
            *header,
            "Monthly demand of the 2,674 carparts; each part's supplier an SCMS vendor whose "
            "real lead times are drawn for every order (`bench/backtest_bench.py: "
            "carparts_landing`); unit cost 1, so inventory value is units. "
            f"{s['reviews']} monthly reviews from {s['start']} to {s['end']}; target "
            f"{target} {s['target_service_level']}; unmet demand {s['unmet_demand']}; "
            f"initial stock {s['initial_stock']}; {got['seconds']:.0f} s.",
            "",
            *_table({m: v["all"] for m, v in s["methods"].items()}, (7, 14)),
            "",
            *_known_rates({m: v["all"] for m, v in s["methods"].items()}, (7, 14)),
            "",
            "Exchange curve (each point a whole replay; ours and textbook at target service "
            "levels, min/max at extra days of cover):",
            "",
            *_curve(s),
            "",
            *got["warnings"],
            "",
            "Fill rate of demand above every earlier month's of its part (a record) and of the "
            "rest:",
            "",
            "| method | demand | units | fill_rate |",
            "|---|---|---|---|",
            *(
                f"| {r['method']} | {'record' if r['record'] else 'within'} | "
                f"{r['demand']:,.0f} | {r['fill_rate']:.3f} |"
                for r in got["records"]
            ),
            "",
            "Fill rate per demand class:",
            "",
            "| class | " + " | ".join(s["methods"]) + " |",
            "|" + "---|" * (1 + len(s["methods"])),
            *per_class,
            "",
        ]
        text = _replaced(text, title, section)
    args.out.write_text(text)
    print(text)
    return 0


def _replaced(text: str, title: str, section: list[str]) -> str:
    """`text` with its section under `title` replaced by `section`'s lines (added when
    missing), a blank line after it; the other sections as they were."""
    head, _, tail = _split(text, title)
    return head + "\n".join(section).rstrip("\n") + "\n\n" + tail.lstrip("\n")


def _curve(s: dict[str, Any]) -> list[str]:
    """The exchange curve's points, and ours' inventory at each of the min/max rule's fill rates."""
    points = s["exchange_curve"] + [
        {"method": m, "target": s["target_service_level"], **v["all"]}
        for m, v in s["methods"].items()
        if m != "min_max"
    ]
    lines = ["| method | target | fill_rate | inventory_value |", "|---|---|---|---|"]
    lines += [
        f"| {p['method']} | {p['target']} | {p['fill_rate']:.3f} | {p['inventory_value']:,.0f} |"
        for p in sorted(points, key=lambda p: (p["method"], p["fill_rate"]))
    ]
    ours = sorted((p["fill_rate"], p["inventory_value"]) for p in points if p["method"] == "ours")
    mm = s["methods"]["min_max"]["all"]
    default = s["settings"]["backtest"]["minmax_extra_days"]
    lines += [
        "",
        "Ours at the min/max rule's fill rates (a straight line between the curve points either "
        "side; the lowest point whose fill rate is above it when none is below):",
        "",
        "| min/max extra days | fill_rate | inventory_value | ours at that fill rate | less |",
        "|---|---|---|---|---|",
    ]
    rule = {p["target"]: p for p in points if p["method"] == "min_max"}
    rule.setdefault(default, mm)
    for days, p in sorted(rule.items()):
        fill, value = p["fill_rate"], p["inventory_value"]
        at = _at_fill(ours, fill)
        shown, less = ("", "") if at is None else (f"{at:,.0f}", f"{1 - at / value:.0%}")
        lines.append(f"| {days} | {fill:.3f} | {value:,.0f} | {shown} | {less} |")
    return lines


def _at_fill(curve: list[tuple[float, float]], fill: float) -> float | None:
    """Inventory on a (fill rate, inventory) curve at a fill rate: a straight line between the
    points either side, the lowest point above it when none is below, None when none is above."""
    above = [(f, v) for f, v in curve if f >= fill]
    below = [(f, v) for f, v in curve if f < fill]
    if not above:
        return None
    if not below:
        return above[0][1]
    (f0, v0), (f1, v1) = below[-1], above[0]
    return v0 + (v1 - v0) * (fill - f0) / (f1 - f0)


def _child(
    part: str,
    args: argparse.Namespace,
    reviews: int | None = None,
    n_jobs: int | None = None,
    curve: bool = False,
) -> dict[str, Any]:
    """Run a part in its own process (its peak memory is its own) in a clean work folder,
    with `[forecast] n_jobs` set when given."""
    import shutil

    work = args.work / part
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--child", part, "--skus", str(args.skus)]
    cmd += ["--reviews", str(reviews or args.reviews), "--work", str(work)]
    cmd += ["--inactive", args.inactive, "--measure", args.measure]
    cmd += ["--with-curve"] if curve else []
    env = dict(os.environ)
    if n_jobs is not None:
        env["SHORTAGE_RADAR_FORECAST__N_JOBS"] = str(n_jobs)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        # the child's own error, not only "exit status 1"
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"the {part} child failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
