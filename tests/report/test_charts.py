"""The projected-stock chart: positions of its marks on a hand-made projection."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import polars as pl
import pytest

from shortage_radar.report.charts import (
    BOTTOM,
    CHART_DAYS,
    HEIGHT,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    chart_days,
    nice_ceiling,
    stock_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 6, 1)


def projection(on_hand: list[float], inbound: list[float] | None = None) -> pl.DataFrame:
    n = len(on_hand)
    return pl.DataFrame(
        {
            "ds": [START + timedelta(days=t) for t in range(n)],
            "expected_on_hand": on_hand,
            "on_hand_q10": [max(v - 2, 0) for v in on_hand],
            "on_hand_q50": on_hand,
            "on_hand_q90": [v + 4 for v in on_hand],
            "inbound_quantity": inbound or [0.0] * n,
        }
    )


def test_stockout_marker_sits_on_its_day() -> None:
    # 11 days from 1 June, out on 6 June (day 5): halfway along the plot area
    p = projection([max(50.0 - 10 * t, 0.0) for t in range(11)])
    svg = ET.fromstring(stock_chart(p, date(2026, 6, 6), "A at main"))
    (line,) = svg.findall(f".//{SVG}line[@class='stockout']")
    expected = LEFT + 5 * (WIDTH - LEFT - RIGHT) / 10
    assert float(line.get("x1", "")) == pytest.approx(expected, abs=0.05)
    assert float(line.get("x2", "")) == pytest.approx(expected, abs=0.05)
    assert float(line.get("y1", "")) == TOP


def test_inbound_bar_and_scale() -> None:
    # top of the axis: max(q90 = 14, arrival 12) -> 20; 12 arriving on day 2 of 3
    p = projection([10.0, 8.0, 6.0], inbound=[0.0, 0.0, 12.0])
    svg = ET.fromstring(stock_chart(p, None, "x"))
    (bar,) = svg.findall(f".//{SVG}rect[@class='inbound']")
    plot = HEIGHT - BOTTOM - TOP
    assert float(bar.get("height", "")) == pytest.approx(12 / 20 * plot, abs=0.05)
    assert not list(svg.findall(f".//{SVG}line[@class='stockout']"))  # no date: no marker
    (band,) = svg.findall(f".//{SVG}polygon[@class='band']")
    assert len(band.get("points", "").split()) == 6  # q90 forward, q10 back


def test_stockout_after_the_shown_days_widens_the_chart_past_it() -> None:
    assert chart_days(None, 90) == CHART_DAYS
    assert chart_days(50, 90) == 64
    assert chart_days(85, 90) == 90
    assert chart_days(None, 20) == 20


def test_label_is_escaped() -> None:
    svg = stock_chart(projection([1.0, 0.0]), None, "<script>x</script>")
    assert "<script>" not in svg
    assert ET.fromstring(svg).find(f"{SVG}title").text == "<script>x</script>"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("v", "top"),
    [(0.0, 1.0), (1.0, 1.0), (14.0, 20.0), (20.0, 20.0), (21.0, 50.0), (501.0, 1000.0)],
)
def test_nice_ceiling(v: float, top: float) -> None:
    assert nice_ceiling(v) == top
