"""The constant rates of new, inactive and failed series."""

from __future__ import annotations

import polars as pl
import pytest

from shortage_radar.forecast.predict import _flat_rates


def test_a_new_series_borrows_its_categorys_typical_rate_not_its_mean() -> None:
    # category "bolts": established rates 1, 2 and 30 a day -> median 2 (the mean, 11, is
    # what one fast mover makes it). NEW sold 1 a day for 2 days; prior 14 days:
    # (2 * 1 + 14 * 2) / (2 + 14) = 30 / 16.
    ids = ["A", "B", "C", "NEW"]
    planned = pl.DataFrame(
        {
            "unique_id": ids,
            "demand_class": ["smooth", "smooth", "smooth", "new"],
            "model": ["AutoETS", "AutoETS", "AutoETS", "NewRate"],
        }
    )
    rate = pl.DataFrame(
        {"unique_id": ids, "rate": [1.0, 2.0, 30.0, 1.0], "n": [28, 28, 28, 2], "long_run": 1.0}
    )
    cats = pl.DataFrame({"unique_id": ids, "category": ["bolts"] * 4})
    got = _flat_rates(planned.filter(unique_id="NEW"), rate, cats, planned, 14.0)
    assert got["mean"].to_list() == [pytest.approx(30 / 16)]


def test_an_inactive_series_gets_zero_or_its_long_run_rate() -> None:
    # OLD sold 0 in its recent window, 3 a day on average over its whole history
    planned = pl.DataFrame(
        {
            "unique_id": ["OLD", "OLD2"],
            "demand_class": ["inactive"] * 2,
            "model": ["Zero", "LongRunRate"],
        }
    )
    rate = pl.DataFrame(
        {"unique_id": ["OLD", "OLD2"], "rate": [0.0, 0.0], "n": [28, 28], "long_run": [3.0, 3.0]}
    )
    cats = pl.DataFrame({"unique_id": ["OLD", "OLD2"], "category": ["bolts"] * 2})
    got = _flat_rates(planned, rate, cats, planned, 14.0).sort("unique_id")
    assert got["mean"].to_list() == [0.0, 3.0]
