"""The warnings' calibration table."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from shortage_radar.backtest.score import calibration, policy_scores


def test_calibration_bins_the_chances_and_counts_what_came_true() -> None:
    # ours at h = 7: chances 0.05, 0.08 (bin 0.0; one stock-out) and 0.95, 1.0 (bin 0.9, the
    # top bin holds 1.0; both ran out); min/max's 0 and 1 fall in the same two bins.
    w = pl.DataFrame(
        {
            "method": ["ours"] * 4 + ["min_max"] * 2,
            "horizon": [7] * 6,
            "probability": [0.05, 0.08, 0.95, 1.0, 0.0, 1.0],
            "stockout": [False, True, True, True, False, False],
        }
    )
    got = calibration(w).to_dicts()
    assert [(r["method"], r["low"], r["reviews"]) for r in got] == [
        ("min_max", 0.0, 1),
        ("min_max", 0.9, 1),
        ("ours", 0.0, 2),
        ("ours", 0.9, 2),
    ]
    assert got[2]["mean_probability"] == pytest.approx(0.065)
    assert got[2]["stockout_share"] == pytest.approx(0.5)
    assert got[3]["mean_probability"] == pytest.approx(0.975)
    assert got[3]["stockout_share"] == pytest.approx(1.0)
    assert got[1]["stockout_share"] == 0.0


def test_cycle_service_counts_only_cycles_with_demand() -> None:
    # reviews at 0, 2, 4 of 6 periods: cycle 1 asks 1 and gets it, cycle 2 asks nothing (not
    # counted), cycle 3 asks 2 and is 1 short: 1 of 2 cycles served (all three counted would
    # give 1/3 or 2/3). Fill rate 1 - 1/3; stock at cost 2: (3 + 2 + 2 + 2 + 2 + 0) x 2 / 6;
    # one order line.
    got = policy_scores(
        np.array([[1.0, 0, 0, 0, 2, 0]]),
        np.array([[0.0, 0, 0, 0, 1, 0]]),
        np.array([[3.0, 2, 2, 2, 2, 0]]),
        np.array([[0.0, 0, 0, 5, 0, 0]]),
        [0, 2, 4],
        np.array([2.0]),
    )
    assert got == pytest.approx(
        {
            "fill_rate": 2 / 3,
            "cycle_service_level": 0.5,
            "inventory_value": 22 / 6,
            "orders": 1.0,
            "units_short": 1.0,
        }
    )
