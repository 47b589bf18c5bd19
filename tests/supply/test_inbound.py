"""Open PO lines and their arrival distributions."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from shortage_radar.supply.inbound import arrival_days, open_lines

AS_OF = date(2026, 6, 1)


def _pos(rows: list[tuple[str, float, float | None, int | None, str, int]]) -> pl.DataFrame:
    """(po_id, quantity, received_quantity, received day or None, status, promised day),
    days relative to AS_OF."""

    def day(d: int | None) -> date | None:
        return None if d is None else AS_OF + timedelta(days=d)

    return pl.DataFrame(
        {
            "po_id": [r[0] for r in rows],
            "sku": "A",
            "location": "main",
            "supplier_id": "S",
            "quantity": [r[1] for r in rows],
            "received_quantity": [r[2] for r in rows],
            "received_date": [day(r[3]) for r in rows],
            "status": [r[4] for r in rows],
            "order_date": AS_OF - timedelta(days=30),
            "promised_date": [day(r[5]) for r in rows],
        }
    )


def test_open_lines_are_what_is_still_to_come() -> None:
    pos = _pos(
        [
            ("P1", 100, None, None, "open", 5),  # open, nothing received: 100 to come
            ("P2", 100, 40, -2, "open", -3),  # partly received: 60 to come, 3 days overdue
            ("P3", 100, None, -1, "open", -1),  # received, status left at open: done
            ("P4", 100, None, None, "cancelled", 5),
            ("P5", 100, 100, -1, "received", -1),
        ]
    )
    got = open_lines(pos, AS_OF).select("po_id", "remaining", "days_overdue", "overdue")
    assert got.rows() == [("P1", 100.0, 0, False), ("P2", 60.0, 3, True)]


def _perf(slips: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"supplier_id": ["S"], "sku": ["A"], "slips": [slips]})


def test_arrival_is_the_promise_plus_a_drawn_slip() -> None:
    lines = open_lines(_pos([("P1", 10, None, None, "open", 5)]), AS_OF)
    days = arrival_days(
        lines, _perf([0, 2, 4]), AS_OF, 30000, np.random.default_rng(1), unknown_delay=7
    )
    values, counts = np.unique(days, return_counts=True)
    assert values.tolist() == [5, 7, 9]
    # each slip a third of the time: standard error sqrt(1/3 * 2/3 / 30000) = 0.003
    assert np.allclose(counts / 30000, 1 / 3, atol=0.012)


def test_an_overdue_line_draws_only_slips_longer_than_its_delay() -> None:
    # promised 3 days ago: of the slips 0, 2, 4, 6 only 4 and 6 are still possible -> day 1 or 3
    lines = open_lines(_pos([("P1", 10, None, None, "open", -3)]), AS_OF)
    days = arrival_days(
        lines, _perf([0, 2, 4, 6]), AS_OF, 1000, np.random.default_rng(1), unknown_delay=7
    )
    assert set(np.unique(days).tolist()) == {1, 3}


def test_a_line_later_than_any_slip_seen_waits_the_unknown_delay() -> None:
    lines = open_lines(_pos([("P1", 10, None, None, "open", -30)]), AS_OF)
    days = arrival_days(lines, _perf([0, 2]), AS_OF, 10, np.random.default_rng(1), unknown_delay=7)
    assert (days == 7).all()
