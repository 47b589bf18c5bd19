"""The backtest's HTML page: the exchange curve and the scores, one self-contained file."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

COLOURS = {"ours": "#1b6ac9", "textbook": "#d9822b", "min_max": "#7a7a7a"}
NAMES = {"ours": "shortage-radar", "textbook": "textbook ROP on AutoETS", "min_max": "ERP min/max"}
W, H, PAD = 640, 400, 56


def curve_svg(points: list[dict[str, Any]]) -> str:
    """Inline SVG: average inventory value (y) against achieved fill rate (x), one line per
    method through its points in target order, each point labelled with its target (service
    level, or extra days for min/max). Better is down and to the right."""
    ok = [p for p in points if p["fill_rate"] is not None]  # None: no demand
    if not ok:
        return "<p>No exchange curve: no demand in the replayed periods.</p>"
    xs = [float(p["fill_rate"]) for p in ok]
    ys = [float(p["inventory_value"]) for p in ok]
    x0, x1 = min(xs) - 0.02, 1.0
    y1 = max(ys) * 1.1 or 1.0

    def x(v: float) -> float:
        return PAD + (v - x0) / (x1 - x0) * (W - 2 * PAD)

    def y(v: float) -> float:
        return H - PAD - v / y1 * (H - 2 * PAD)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
        'aria-label="exchange curve">',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#333"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#333"/>',
        f'<text x="{W / 2}" y="{H - 14}" text-anchor="middle">achieved fill rate</text>',
        f'<text x="14" y="{H / 2}" transform="rotate(-90 14 {H / 2})" text-anchor="middle">'
        "average inventory value</text>",
    ]
    for i in range(5):
        v = x0 + (x1 - x0) * i / 4
        out.append(
            f'<text x="{x(v):.0f}" y="{H - PAD + 16}" text-anchor="middle" '
            f'font-size="11">{v:.2f}</text>'
        )
        w = y1 * i / 4
        out.append(
            f'<text x="{PAD - 4}" y="{y(w):.0f}" text-anchor="end" font-size="11">{w:,.0f}</text>'
        )
    for method in COLOURS:
        mine = sorted((p for p in ok if p["method"] == method), key=lambda p: p["target"])
        if not mine:
            continue
        colour = COLOURS[method]
        path = " ".join(f"{x(p['fill_rate']):.1f},{y(p['inventory_value']):.1f}" for p in mine)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in mine:
            label = f"{p['target']:g}" + (" d" if method == "min_max" else "")
            cx, cy = x(p["fill_rate"]), y(p["inventory_value"])
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>')
            out.append(
                f'<text x="{cx + 6:.1f}" y="{cy - 6:.1f}" font-size="10" '
                f'fill="{colour}">{escape(label)}</text>'
            )
    for i, method in enumerate(COLOURS):
        out.append(
            f'<text x="{W - PAD - 170}" y="{PAD + 16 * i}" fill="{COLOURS[method]}" '
            f'font-size="12">{escape(NAMES[method])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def page(summary: dict[str, Any]) -> str:
    """The whole page from the JSON summary of a backtest."""
    head = ("method", "fill rate", "cycle service", "inventory value", "orders", "units short")
    rows = []
    for method, per in summary["methods"].items():
        a = per["all"]
        cells = [
            NAMES.get(method, method),
            score_text(a["fill_rate"]),
            score_text(a["cycle_service_level"]),
            f"{a['inventory_value']:,.0f}",
            f"{a['orders']:,.0f}",
            f"{a['units_short']:,.0f}",
        ]
        rows.append(_tr(cells))
    warn_rows = []
    for method, per in summary["methods"].items():
        a = per["all"]
        for h in summary["settings"]["backtest"]["horizons"]:
            cells = [
                NAMES.get(method, method),
                str(h),
                score_text(a.get(f"precision_{h}")),
                score_text(a.get(f"recall_{h}")),
                score_text(a.get(f"realized_precision_{h}")),
                score_text(a.get(f"realized_recall_{h}")),
                score_text(a.get(f"median_lead_{h}"), 0),
            ]
            warn_rows.append(_tr(cells))
    cal_rows = [
        _tr(
            (
                NAMES.get(b["method"], b["method"]),
                str(b["horizon"]),
                f"{b['low']:.1f}",
                f"{b['reviews']:,}",
                score_text(b["mean_probability"], 2),
                score_text(b["stockout_share"], 2),
            )
        )
        for b in summary.get("warning_calibration", [])
    ]
    fc = summary.get("forecast", {})
    fc_rows = [
        _tr(
            (
                group,
                f"{r.get('series', 0):,}",
                score_text(r.get("rmsse")),
                score_text(r.get("spl")),
                score_text(r.get("bias")),
                score_text(r.get("coverage_80")),
                score_text(r.get("coverage_95")),
                score_text(r.get("lead_demand_coverage")),
                score_text(r.get("lead_demand_target")),
            )
        )
        for group, r in [("all", fc), *fc.get("by_class", {}).items()]
        if r
    ]
    target = {"cycle": "cycle service level", "fill_rate": "fill rate"}.get(
        summary.get("service_measure", "cycle"), "service level"
    )
    facts = (
        f"{summary['series']:,} series, {summary['reviews']} reviews every {summary['every']} "
        f"periods ({summary['freq']}) from {summary['start']} to {summary['end']}; target "
        f"{target} {summary['target_service_level']}; unmet demand "
        f"{summary['unmet_demand']}; initial stock {summary['initial_stock']}."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>shortage-radar backtest</title>
<style>body{{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
td:first-child{{text-align:left}}</style></head><body>
<h1>Backtest: would the warnings and orders have worked?</h1>
<p>{escape(facts)}</p>
<h2>Stock against service (exchange curve)</h2>
<p>Each point is a whole replay at one target; lower and further right is better: more demand
served from stock for less money tied up.</p>
{curve_svg(summary.get("exchange_curve", []))}
<h2>At the target service level</h2>
<table><tr>{"".join(f"<th>{escape(h)}</th>" for h in head)}</tr>{"".join(rows)}</table>
<h2>Warnings: a stock-out within h periods unless you act</h2>
<p>Scored against what would have happened had nothing more been ordered from the warning on
(its claim), and against the replay's own stock-outs (realized: an order that then averted
the stock-out makes the warning count as false).</p>
<table><tr><th>method</th><th>h</th><th>precision</th><th>recall</th><th>realized precision</th>
<th>realized recall</th><th>median lead</th></tr>
{"".join(warn_rows)}</table>
<h2>Forecasts, per demand class</h2>
<p>Scored over every period from each review on: RMSSE and scaled pinball loss (M5's), bias
of the totals, the share of periods at or below the 80% and 95% quantiles, and how often the
demand over lead time plus review stayed under our reorder point, against the service level
it aimed at.</p>
<table><tr><th>class</th><th>series</th><th>RMSSE</th><th>SPL</th><th>bias</th>
<th>at or below q80</th><th>at or below q95</th><th>lead-time demand under the reorder point</th>
<th>aimed at</th></tr>
{"".join(fc_rows)}</table>
<h2>Are the chances honest? (calibration)</h2>
<p>Each method's chance of a stock-out unless acted, in bins from the lower edge shown: where
the chances are calibrated, the share that ran out matches the mean chance.</p>
<table><tr><th>method</th><th>h</th><th>chance from</th><th>reviews x series</th>
<th>mean chance</th><th>share that ran out</th></tr>
{"".join(cal_rows)}</table>
</body></html>
"""


def _tr(cells: Iterable[str]) -> str:
    """A table row of the page, every cell escaped."""
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def score_text(v: float | None, digits: int = 3) -> str:
    """A score for the page; "-" for one that could not be computed (null in the JSON)."""
    return "-" if v is None or v != v else f"{v:,.{digits}f}"
