"""The buyers' report as one self-contained HTML page: jinja2 with autoescape, charts inline."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from shortage_radar.report.charts import stock_chart
from shortage_radar.report.read import ReportData
from shortage_radar.report.summary import REASON_WORDS
from shortage_radar.report.suppliers import NO_SUPPLIER
from shortage_radar.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"


def units(v: float | None) -> str:
    """Units for reading: whole above 10, one decimal below (expected values are fractional)."""
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 10 or v == round(v) else f"{v:,.1f}"


def money(v: float | None) -> str:
    return "–" if v is None else f"{v:,.0f}"


def percent(v: float | None) -> str:
    return "–" if v is None else f"{v:.0%}"


def day(d: date | None) -> str:
    return "–" if d is None else f"{d:%a} {d.day} {d:%b %Y}"


def from_today(d: date | None, today: date) -> str:
    """`today`, `tomorrow`, `in 3 days`, `2 days ago`: when a date is, for a buyer."""
    if d is None:
        return ""
    n = (d - today).days
    if n in (0, 1, -1):
        return {0: "today", 1: "tomorrow", -1: "yesterday"}[n]
    return f"in {n} days" if n > 0 else f"{-n} days ago"


def reason_words(codes: list[str] | None) -> str:
    return ", ".join(REASON_WORDS.get(c, c) for c in codes or [])


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value from data is escaped; only our own SVG is marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(units=units, money=money, percent=percent, day=day, reasons=reason_words)
    return env


def render(data: ReportData, settings: Settings, exports: dict[str, str]) -> str:
    """The report page of `data`: sections in the order a buyer acts on them (see the
    template). `exports` maps a label to the file name of each export beside the page."""
    warnings = data.warnings
    changed = warnings.filter(pl.col("status").is_in(["new", "worsening"]))
    orders = data.suggestions.filter(pl.col("action") == "order").with_columns(
        pl.col("supplier_id").fill_null(NO_SUPPLIER)
    )
    groups = [
        (total, orders.filter(pl.col("supplier_id") == total["supplier_id"]).to_dicts())
        for total in data.totals.to_dicts()
    ]
    charts = []
    for w in warnings.head(settings.report.charts).to_dicts():
        rows = data.projections.filter(
            (pl.col("sku") == w["sku"]) & (pl.col("location") == w["location"])
        ).sort("ds")
        if rows.height:
            label = f"Projected stock of {w['sku']} at {w['location']}"
            charts.append((w, Markup(stock_chart(rows, w["expected_stockout_date"], label))))
    late_by_supplier = {
        s: data.late.filter(pl.col("supplier_id") == s).to_dicts()
        for s in data.suppliers.filter(pl.col("overdue_lines") + pl.col("slipping_lines") > 0)[
            "supplier_id"
        ]
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        as_of=data.as_of,
        data_through=data.as_of - timedelta(days=1),
        previous_as_of=data.previous_as_of,
        first_report=data.previous_as_of is None,
        warnings=warnings.to_dicts(),
        changed=changed.to_dicts(),
        resolved=data.resolved.to_dicts(),
        severity_counts=dict(warnings.group_by("severity").len().iter_rows()),
        value_at_risk=float(warnings["value_at_risk"].sum()),
        charts=charts,
        groups=groups,
        order_value=data.totals["value"].sum(),
        order_units=data.totals["units"].sum(),
        order_lines=int(data.totals["lines"].sum()),
        surplus=data.suggestions.filter(pl.col("action") == "surplus").to_dicts(),
        orders_at_risk=data.orders_at_risk.to_dicts(),
        suppliers=data.suppliers.to_dicts(),
        late_by_supplier=late_by_supplier,
        rows=settings.report.rows,
        cutoffs=settings.warnings.severity,
        worse_by=settings.warnings.worse_by,
        exports=exports,
        when=lambda d: from_today(d, data.as_of),
    )
