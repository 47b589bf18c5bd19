"""Each buyer's mail digest: their warnings and suggestions as HTML, plain text and CSV.

Pure: the messages are built from the run's tables and nothing is sent here (see smtp.py).
Every string that comes from the data is HTML-escaped in the HTML part, and CSV cells that a
spreadsheet would read as a formula are defused.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, NamedTuple

import duckdb
import polars as pl

from shortage_radar.report.summary import REASON_WORDS
from shortage_radar.settings import ADDRESS, MailSettings

NEWS = ("new", "worsening")  # what makes a digest worth sending
STATUS_ORDER = {"new": 0, "worsening": 1, "continuing": 2, "resolved": 3}

WARNING_COLUMNS = (
    "risk_rank",
    "status",
    "severity",
    "sku",
    "description",
    "location",
    "stockout_probability",
    "expected_stockout_date",
    "expected_units_short",
    "value_at_risk",
    "reasons",
    "primary_supplier",
    "first_seen",
)
SUGGESTION_COLUMNS = (
    "action",
    "supplier_id",
    "sku",
    "description",
    "location",
    "order_quantity",
    "order_by_date",
    "expected_arrival_date",
    "reorder_point",
    "safety_stock",
    "reason",
)


@dataclass
class Digests:
    """The messages to send, and what could not be addressed."""

    messages: list[EmailMessage] = field(default_factory=list)
    unaddressed_buyers: list[str] = field(default_factory=list)  # with news, no address
    unaddressed_warnings: int = 0  # their new or worsening warnings, not mailed


class Content(NamedTuple):
    """What a digest shows: for whom, their warnings (in the order shown) and suggestions,
    the as-of date and the link to the full report (empty: none)."""

    buyers: Sequence[str]
    warnings: pl.DataFrame
    suggestions: pl.DataFrame
    as_of: date
    link: str


def read_tables(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The run's warnings and suggestions, each with the item's description and buyer.

    Warnings: one row per core.shortage_warnings row (sku × location), WARNING_COLUMNS plus
    `buyer`. Suggestions: one row per core.reorder_suggestions row, SUGGESTION_COLUMNS plus
    `buyer`. A sku missing from staging.items has a null description and buyer.
    """
    items = "LEFT JOIN (SELECT sku, description, buyer FROM staging.items) i USING (sku)"
    warnings = con.sql(
        f"SELECT {', '.join(c for c in WARNING_COLUMNS if c != 'description')}, "  # noqa: S608
        f"i.description, i.buyer FROM core.shortage_warnings {items}"
    ).pl()
    suggestions = con.sql(
        f"SELECT {', '.join(c for c in SUGGESTION_COLUMNS if c != 'description')}, "  # noqa: S608
        f"i.description, i.buyer FROM core.reorder_suggestions {items}"
    ).pl()
    return warnings, suggestions


def digests(con: duckdb.DuckDBPyConnection, as_of: date, cfg: MailSettings) -> Digests:
    """The digests of a run whose core tables are built (see build_digests)."""
    # A cursor of its own: the connection may hold a result someone else left unfinished.
    with con.cursor() as cur:
        warnings, suggestions = read_tables(cur)
    return build_digests(warnings, suggestions, as_of, cfg)


def address_of(buyer: str | None, cfg: MailSettings) -> str | None:
    """The buyer's address: from `[mail] recipients`, else items.buyer if it is an address."""
    if buyer is None or not buyer.strip():
        return None
    if buyer in cfg.recipients:
        return cfg.recipients[buyer]
    return buyer.strip() if re.match(ADDRESS, buyer.strip()) else None


def build_digests(
    warnings: pl.DataFrame, suggestions: pl.DataFrame, as_of: date, cfg: MailSettings
) -> Digests:
    """One message per buyer with a new or worsening warning (frames as read_tables returns).

    A buyer's digest holds all their warnings (new and worsening first, then continuing, then
    resolved) and all suggestions for their skus. Warnings of items whose buyer has no address
    (no buyer, or a name missing from `[mail] recipients`) go together to `fallback_to`, or,
    when it is empty, are not mailed and are counted in the result.
    """
    out = Digests()
    w, s = (_addressed(f, cfg) for f in (warnings, suggestions))
    news = w.filter(pl.col("status").is_in(NEWS))
    lost = news.filter(pl.col("to").is_null())
    out.unaddressed_warnings = lost.height
    out.unaddressed_buyers = sorted({b or "(no buyer)" for b in lost["buyer"].to_list()})
    for to in sorted(news["to"].drop_nulls().unique().to_list()):
        mine = w.filter(pl.col("to") == to)
        buyers = sorted({b or "(no buyer)" for b in mine["buyer"].to_list()})
        out.messages.append(
            message(to, buyers, _ordered(mine), s.filter(pl.col("to") == to), as_of, cfg)
        )
    return out


def _addressed(frame: pl.DataFrame, cfg: MailSettings) -> pl.DataFrame:
    """The frame with `to`: the buyer's address, else fallback_to, else null."""
    to = pl.col("buyer").map_elements(lambda b: address_of(b, cfg), return_dtype=pl.String)
    return frame.with_columns(to=to.fill_null(cfg.fallback_to) if cfg.fallback_to else to)


def _ordered(w: pl.DataFrame) -> pl.DataFrame:
    return w.with_columns(
        _order=pl.col("status").replace_strict(STATUS_ORDER, default=9, return_dtype=pl.Int64)
    ).sort("_order", "risk_rank", "sku", "location", nulls_last=True)


def subject(w: pl.DataFrame, as_of: date, cfg: MailSettings) -> str:
    """Counts only: no data string reaches a header."""
    new = int((w["status"] == "new").sum())
    worse = int((w["status"] == "worsening").sum())
    text = f"{as_of}: {new} new, {worse} worsening shortage warnings"
    return f"{cfg.subject_prefix} {text}" if cfg.subject_prefix else text


def message(
    to: str,
    buyers: Sequence[str],
    warnings: pl.DataFrame,
    suggestions: pl.DataFrame,
    as_of: date,
    cfg: MailSettings,
) -> EmailMessage:
    """One digest: plain text, its HTML alternative, and the two CSV attachments.

    `warnings` in the order shown (see build_digests), `suggestions` in any order (shown by
    action, supplier, sku).
    """
    suggestions = suggestions.sort("action", "supplier_id", "sku", "location")
    msg = EmailMessage()
    msg["Subject"] = subject(warnings, as_of, cfg)
    msg["From"] = cfg.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    # make_msgid() without a domain asks DNS for this host's name, which can hang.
    msg["Message-ID"] = make_msgid(domain=cfg.sender.rpartition("@")[2] or "localhost")
    link = f"{cfg.report_url.rstrip('/')}/{as_of}/index.html" if cfg.report_url else ""
    content = Content(buyers, warnings, suggestions, as_of, link)
    msg.set_content(plain_text(content))
    msg.add_alternative(html_body(content), subtype="html")
    for name, frame, cols in (
        ("shortage_warnings", warnings, WARNING_COLUMNS),
        ("reorder_suggestions", suggestions, SUGGESTION_COLUMNS),
    ):
        msg.add_attachment(
            to_csv(frame, cols).encode(),
            maintype="text",
            subtype="csv",
            filename=f"{name}_{as_of}.csv",
        )
    return msg


def _cells(row: dict[str, Any], cols: Sequence[str]) -> list[str]:
    """A row's values as a buyer reads them."""
    out = []
    for c in cols:
        v = row[c]
        if v is None:
            out.append("")
        elif c == "stockout_probability":
            out.append(f"{v:.0%}")
        elif c == "reasons":
            out.append(", ".join(REASON_WORDS.get(r, r) for r in v))
        elif isinstance(v, float):
            out.append(f"{v:,.0f}")
        else:
            out.append(str(v))
    return out


WARNING_HEAD = (
    "rank",
    "status",
    "severity",
    "sku",
    "description",
    "location",
    "P(out)",
    "runs out",
    "units short",
    "value at risk",
    "why",
    "supplier",
    "first seen",
)
SUGGESTION_HEAD = (
    "action",
    "supplier",
    "sku",
    "description",
    "location",
    "quantity",
    "order by",
    "arrives",
    "reorder point",
    "safety stock",
    "why",
)


def _counts(w: pl.DataFrame) -> str:
    n = {s: int((w["status"] == s).sum()) for s in STATUS_ORDER}
    return (
        f"{n['new']} new, {n['worsening']} worsening, {n['continuing']} continuing and "
        f"{n['resolved']} resolved shortage warnings"
    )


def plain_text(d: Content) -> str:
    """The text part: one line per warning and per suggestion, fields separated by ' | '."""
    buyers, warnings, suggestions, as_of, link = d
    lines = [
        f"Shortage radar for {', '.join(buyers)}, as of {as_of}: {_counts(warnings)}.",
        "",
        "Warnings (new and worsening first):",
        " | ".join(WARNING_HEAD),
        *(" | ".join(_cells(r, WARNING_COLUMNS)) for r in warnings.iter_rows(named=True)),
        "",
        f"Suggestions ({suggestions.height}):",
    ]
    if suggestions.height:
        lines.append(" | ".join(SUGGESTION_HEAD))
        rows = suggestions.iter_rows(named=True)
        lines += [" | ".join(_cells(r, SUGGESTION_COLUMNS)) for r in rows]
    lines += ["", "The same as CSV files attached."]
    if link:
        lines.append(f"The full report: {link}")
    return "\n".join(lines) + "\n"


SEVERITY_COLOUR = {"critical": "#b00020", "high": "#d9480f", "medium": "#b7791f", "low": "#555"}


def _html_table(head: Sequence[str], rows: list[list[str]], colours: list[str] | None) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = []
    for i, cells in enumerate(rows):
        style = f' style="color:{colours[i]}"' if colours else ""
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        body.append(f"<tr{style}>{tds}</tr>")
    return (
        '<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">'
        f"<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def html_body(d: Content) -> str:
    """The HTML part: the same content as the text, every data string escaped."""
    buyers, warnings, suggestions, as_of, link = d
    rows = list(warnings.iter_rows(named=True))
    parts = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif">',
        f"<p>Shortage radar for {html.escape(', '.join(buyers))}, as of {as_of}: "
        f"{html.escape(_counts(warnings))}.</p>",
        "<h3>Warnings (new and worsening first)</h3>",
        _html_table(
            WARNING_HEAD,
            [_cells(r, WARNING_COLUMNS) for r in rows],
            [SEVERITY_COLOUR.get(r["severity"], "#000") for r in rows],
        ),
        f"<h3>Suggestions ({suggestions.height})</h3>",
    ]
    if suggestions.height:
        parts.append(
            _html_table(
                SUGGESTION_HEAD,
                [_cells(r, SUGGESTION_COLUMNS) for r in suggestions.iter_rows(named=True)],
                None,
            )
        )
    parts.append("<p>The same as CSV files attached.</p>")
    if link:
        parts.append(f'<p><a href="{html.escape(link)}">The full report</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _csv_cell(v: Any) -> Any:
    """A list joined; a string a spreadsheet would run as a formula gets a leading quote
    (OWASP's advice on CSV injection)."""
    if isinstance(v, list):
        v = " ".join(str(x) for x in v)
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def to_csv(frame: pl.DataFrame, cols: Sequence[str]) -> str:
    """The columns of a frame as CSV with a header row, values as stored (reason codes kept)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(cols)
    for r in frame.select(cols).iter_rows():
        out.writerow([_csv_cell(v) for v in r])
    return buf.getvalue()
