"""Small inline SVG charts of projected stock, drawn in Python: no script, no network."""

from __future__ import annotations

import math
from datetime import date
from html import escape

import polars as pl

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 14, 26
TICK_DAYS = 14
# Days a chart shows: the next weeks are what a buyer acts on, and 90 days would squeeze a
# stock-out of next week into the left edge; a later stock-out widens the chart to show it.
CHART_DAYS = 42
AFTER_STOCKOUT = 14

BAND_FILL = "#bcd6f0"
MEDIAN = "#1f5fa8"
MEAN = "#5b6b7b"
INBOUND = "#2e8b57"
STOCKOUT = "#c62828"


def x_at(day: float, days: int) -> float:
    """Horizontal position of day `day` (0 = the as-of day) on a chart of `days` days."""
    return LEFT + day * (WIDTH - LEFT - RIGHT) / max(days - 1, 1)


def nice_ceiling(v: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above v (at least 1): a round top
    for the vertical axis."""
    if v <= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(v))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= v)


def chart_days(stockout_day: int | None, days: int) -> int:
    """How many days of a `days`-day projection a chart shows: CHART_DAYS, or up to
    AFTER_STOCKOUT days past a later stock-out, never more than the projection."""
    end = CHART_DAYS if stockout_day is None else max(CHART_DAYS, stockout_day + AFTER_STOCKOUT)
    return min(days, end)


def _points(xs: list[float], ys: list[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def _short(d: date) -> str:
    return f"{d.day} {d:%b}"


def stock_chart(projection: pl.DataFrame, stockout: date | None, label: str) -> str:
    """One series' projected stock as an SVG element.

    In: the series' stock_projection rows sorted by ds (ds, expected_on_hand, on_hand_q10,
    on_hand_q50, on_hand_q90, inbound_quantity), day 0 first; `stockout` the warning's
    expected stock-out date (a red line, none when null or outside the projection); `label`
    names the chart for screen readers (escaped here). Draws the 10%-90% band of stock on
    hand, its median (solid) and mean (dashed), and the expected arrivals as green bars on
    the same scale, all in units, over the first chart_days days.
    """
    first = projection["ds"][0] if projection.height else None
    at = None if stockout is None or first is None else (stockout - first).days
    projection = projection.head(chart_days(at, projection.height))
    days = projection.height
    ds = projection["ds"].to_list()
    q10 = projection["on_hand_q10"].to_list()
    q50 = projection["on_hand_q50"].to_list()
    q90 = projection["on_hand_q90"].to_list()
    mean = projection["expected_on_hand"].to_list()
    inbound = projection["inbound_quantity"].to_list()
    top = nice_ceiling(max([*q90, *mean, *inbound, 0.0]))
    base = HEIGHT - BOTTOM

    def y_at(v: float) -> float:
        return base - v * (base - TOP) / top

    xs = [x_at(t, days) for t in range(days)]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for v in (0.0, top / 2, top):
        y = y_at(v)
        tick = f"{v:,.0f}" if top >= 10 else f"{v:g}"  # a top of 1 halves to 0.5, not 0
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#dde3ea" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5560">{tick}</text>'
        )
    for t in range(0, days, TICK_DAYS):
        out.append(
            f'<text x="{xs[t]:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11" '
            f'fill="#4a5560">{_short(ds[t])}</text>'
        )
    if days:
        band = _points(xs + xs[::-1], [y_at(v) for v in q90] + [y_at(v) for v in q10[::-1]])
        out.append(f'<polygon class="band" points="{band}" fill="{BAND_FILL}" stroke="none"/>')
    bar = max((WIDTH - LEFT - RIGHT) / max(days, 1) * 0.8, 2.0)
    for x, v in zip(xs, inbound, strict=True):
        if v > 0:
            out.append(
                f'<rect class="inbound" x="{x - bar / 2:.1f}" y="{y_at(v):.1f}" '
                f'width="{bar:.1f}" height="{base - y_at(v):.1f}" fill="{INBOUND}" '
                f'opacity="0.8"/>'
            )
    out.append(
        f'<polyline class="mean" points="{_points(xs, [y_at(v) for v in mean])}" fill="none" '
        f'stroke="{MEAN}" stroke-width="1.2" stroke-dasharray="4 3"/>'
        f'<polyline class="median" points="{_points(xs, [y_at(v) for v in q50])}" '
        f'fill="none" stroke="{MEDIAN}" stroke-width="2"/>'
    )
    if stockout is not None and days and 0 <= (stockout - ds[0]).days < days:
        x = x_at((stockout - ds[0]).days, days)
        anchor = "start" if x < WIDTH / 2 else "end"
        dx = 4 if anchor == "start" else -4
        out.append(
            f'<line class="stockout" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{base}" '
            f'stroke="{STOCKOUT}" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{x + dx:.1f}" y="{TOP + 10}" text-anchor="{anchor}" font-size="11" '
            f'font-weight="bold" fill="{STOCKOUT}">runs out {_short(stockout)}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{base}" stroke="#8895a2"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="#8895a2"/>'
        "</svg>"
    )
    return "".join(out)
