"""The report page: everything from data escaped, sections in a buyer's order, plain figures."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest

from report.tiny_warehouse import EVIL_DESCRIPTION, EVIL_SKU, EVIL_SUPPLIER
from shortage_radar.report.build import EXPORTS
from shortage_radar.report.html import day, from_today, money, percent, render, units
from shortage_radar.report.read import ReportData
from shortage_radar.settings import load_settings


@pytest.fixture
def page(data: ReportData) -> str:
    return render(data, load_settings(), EXPORTS)


class _Text(HTMLParser):
    """The page's text and the tags it opens, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Text:
    p = _Text()
    p.feed(page)
    return p


def test_script_in_a_description_sku_or_supplier_shows_as_text(page: str) -> None:
    assert "<script" not in page.lower()  # the page has no script of its own either
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    parsed = parse(page)
    assert "script" not in parsed.tags
    text = "".join(parsed.text)
    for evil in (EVIL_DESCRIPTION, EVIL_SKU, EVIL_SUPPLIER):
        assert evil in text


def test_sections_in_the_order_a_buyer_acts(page: str) -> None:
    ids = re.findall(r'<h2 id="([^"]+)"', page)
    assert ids == [
        "changes",
        "warnings-heading",
        "charts",
        "orders",
        "customers",
        "suppliers",
        "files",
    ]


def test_what_changed_lists_new_and_worse_with_last_runs_figures(page: str) -> None:
    changes = page[page.index('id="changes"') : page.index('id="warnings-heading"')]
    assert "since Sun 31 May 2026" in changes
    assert "worse: chance 50% → 95%, runs out Sat 6 Jun 2026 → Thu 4 Jun 2026" in changes
    assert "new warning" in changes
    assert "C at main" in changes  # resolved


def test_first_report_says_there_is_nothing_to_compare(data: ReportData) -> None:
    page = render(replace(data, previous_as_of=None), load_settings(), EXPORTS)
    assert "This is the first report" in page


def test_warnings_table_in_plain_words(page: str) -> None:
    table = page[
        page.index('<table id="warnings">') : page.index("</table>", page.index('id="warnings"'))
    ]
    text = " ".join(" ".join(parse(table).text).split())
    assert (
        "1 worse A Bolt <script>alert('x')</script> main critical 95% Thu 4 Jun 2026 in 3 days"
        in text
    )
    assert "10 20 demand surge, supplier late" in text


def test_one_chart_per_top_warning_and_orders_with_totals(page: str) -> None:
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2
    totals = page[page.index('<table id="order-totals">') :]
    text = " ".join(" ".join(parse(totals[: totals.index("</table>")]).text).split())
    # S1: 10 units at 1.5; the other supplier: 4 units at the item's cost 0.5
    assert text.endswith("S1 1 10 15 " + EVIL_SUPPLIER + " 1 4 2 All suppliers 2 14 17")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1248.4, "1,248"), (12.0, "12"), (2.0, "2"), (0.75, "0.8"), (None, "–")],
)
def test_units(value: float | None, text: str) -> None:
    assert units(value) == text


def test_money_percent_and_dates() -> None:
    assert (money(32593.4), money(None), percent(0.955), percent(None)) == (
        "32,593",
        "–",
        "96%",
        "–",
    )
    assert day(date(2026, 11, 25)) == "Wed 25 Nov 2026"
    today = date(2026, 11, 24)
    assert [from_today(date(2026, 11, d), today) for d in (24, 25, 23, 27, 20)] == [
        "today",
        "tomorrow",
        "yesterday",
        "in 3 days",
        "4 days ago",
    ]
