"""Supplier lead times and slips from received PO lines, with fallbacks and trend."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from shortage_radar.supply.lead_times import receipts, supplier_performance

AS_OF = date(2026, 6, 1)
D0 = date(2026, 1, 1)


def _po(rows: list[tuple[str, str, int, int, int | None, str]]) -> pl.DataFrame:
    """(supplier, sku, ordered day, promised day, received day or None, status), days from D0."""
    return pl.DataFrame(
        {
            "po_id": [f"P{i}" for i in range(len(rows))],
            "supplier_id": [r[0] for r in rows],
            "sku": [r[1] for r in rows],
            "order_date": [D0 + timedelta(days=r[2]) for r in rows],
            "promised_date": [D0 + timedelta(days=r[3]) for r in rows],
            "received_date": [None if r[4] is None else D0 + timedelta(days=r[4]) for r in rows],
            "status": [r[5] for r in rows],
        }
    )


def _items(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "supplier_id": [r[0] for r in rows],
            "sku": [r[1] for r in rows],
            "lead_time_days": [r[2] for r in rows],
        }
    )


def _perf(pos: pl.DataFrame, items: pl.DataFrame, min_receipts: int = 3) -> dict[str, dict]:
    out = supplier_performance(
        pos, items, as_of=AS_OF, min_receipts=min_receipts, recent_days=60, growth=1.2
    )
    return {f"{r['supplier_id']}/{r['sku']}": r for r in out.to_dicts()}


def test_receipts_measure_lead_time_and_slip_in_days() -> None:
    pos = _po(
        [
            ("S", "A", 0, 10, 12, "received"),
            ("S", "A", 0, 10, None, "open"),
            ("S", "A", 0, 10, 8, "cancelled"),
            ("S", "A", 5, 10, 9, "open"),
        ]
    )
    r = receipts(pos)
    # the open line without a receipt and the cancelled one do not count
    assert r.select("lead_time", "slip", "on_time").rows() == [(12, 2, False), (4, -1, True)]


def test_a_pair_with_enough_receipts_uses_its_own() -> None:
    pos = _po(
        [
            ("S", "A", 0, 10, 10, "received"),
            ("S", "A", 0, 10, 12, "received"),
            ("S", "A", 0, 10, 14, "received"),
            ("S", "B", 0, 5, 30, "received"),
        ]
    )
    p = _perf(pos, _items([("S", "A", 7.0)]))["S/A"]
    assert p["basis"] == "supplier_sku" and p["receipts"] == 3
    assert sorted(p["lead_times"]) == [10, 12, 14] and sorted(p["slips"]) == [0, 2, 4]
    assert p["lead_time_p50"] == 12 and p["on_time_rate"] == 1 / 3


def test_a_pair_with_few_receipts_falls_back_to_the_supplier_then_the_quote() -> None:
    pos = _po(
        [
            ("S", "A", 0, 10, 10, "received"),
            ("S", "A", 0, 10, 12, "received"),
            ("S", "A", 0, 10, 14, "received"),
            ("S", "B", 0, 5, 30, "received"),
        ]
    )
    perf = _perf(pos, _items([("S", "B", 9.0), ("T", "C", 21.0)]))
    # S/B has 1 receipt of its own: the supplier's 4 receipts stand in
    assert perf["S/B"]["basis"] == "supplier" and perf["S/B"]["receipts"] == 4
    assert sorted(perf["S/B"]["lead_times"]) == [10, 12, 14, 30]
    # T has no receipts at all: the quoted 21 days, no slip
    assert perf["T/C"]["basis"] == "quoted"
    assert perf["T/C"]["lead_times"] == [21] and perf["T/C"]["slips"] == [0]


def test_a_lead_time_that_grew_recently_is_flagged() -> None:
    # before the last 60 days: 10 days each; in them: 14 days each (14 >= 1.2 x 10)
    old = [("S", "A", d, d + 10, d + 10, "received") for d in range(0, 30, 10)]
    new = [("S", "A", d, d + 10, d + 14, "received") for d in range(100, 130, 10)]
    p = _perf(_po(old + new), _items([("S", "A", 10.0)]))["S/A"]
    assert (p["long_run_lead_time"], p["recent_lead_time"]) == (10, 14)
    assert p["lead_time_grown"]
    steady = [("S", "A", d, d + 10, d + 11, "received") for d in range(100, 130, 10)]
    assert not _perf(_po(old + steady), _items([("S", "A", 10.0)]))["S/A"]["lead_time_grown"]


def test_receipts_after_the_as_of_date_are_not_known_yet() -> None:
    pos = _po([("S", "A", 0, 10, 10, "received"), ("S", "A", 150, 160, 170, "received")])
    p = _perf(pos, _items([("S", "A", 7.0)]), min_receipts=1)["S/A"]
    assert p["lead_times"] == [10]
