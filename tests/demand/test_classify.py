"""Demand classes of hand-made series at and around the cut-offs."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from shortage_radar.demand.classify import classify
from shortage_radar.settings import ClassifySettings

AS_OF = date(2026, 6, 1)
CFG = ClassifySettings()


def series(name: str, ys: list[float], censored: frozenset[int] = frozenset()) -> pl.DataFrame:
    start = AS_OF - timedelta(days=len(ys))
    return pl.DataFrame(
        {
            "unique_id": f"{name}@main",
            "sku": name,
            "location": "main",
            "ds": [start + timedelta(days=i) for i in range(len(ys))],
            "y": [float(y) for y in ys],
            "censored": [i in censored for i in range(len(ys))],
        }
    )


def one(df: pl.DataFrame, items: pl.DataFrame | None = None) -> dict[str, object]:
    items = (
        items
        if items is not None
        else pl.DataFrame({"sku": df["sku"].unique(), "unit_cost": 1.0, "unit_price": 2.0})
    )
    return classify(df, items, CFG, as_of=AS_OF).row(0, named=True)


@pytest.mark.parametrize(
    ("ys", "adi", "cv2", "klass"),
    [
        # every period sells 10: ADI 1, CV² 0
        pytest.param([10] * 60, 1.0, 0.0, "smooth", id="smooth"),
        # sizes 1 and 9 alternate: CV² = (60 * 16 / 59) / 25 = 0.6508
        pytest.param([1, 9] * 30, 1.0, 0.6508, "erratic", id="erratic"),
        # one sale of 5 every 3 periods: ADI 3, CV² 0
        pytest.param([5, 0, 0] * 20, 3.0, 0.0, "intermittent", id="intermittent"),
        # sizes 1 and 9 every other period: ADI 2, CV² = (30 * 16 / 29) / 25 = 0.6621
        pytest.param([1, 0, 9, 0] * 15, 2.0, 0.6621, "lumpy", id="lumpy"),
    ],
)
def test_syntetos_boylan_quadrants(ys: list[float], adi: float, cv2: float, klass: str) -> None:
    got = one(series("A", ys))
    assert got["adi"] == pytest.approx(adi)
    assert got["cv2"] == pytest.approx(cv2, abs=1e-4)
    assert got["demand_class"] == klass


def test_adi_at_the_cut_off_counts_as_intermittent() -> None:
    # 33 periods, 25 with demand: ADI = 1.32 exactly, which is not below the cut-off.
    ys = ([4] * 3 + [0]) * 8 + [4]
    got = one(series("A", ys))
    assert got["adi"] == pytest.approx(1.32)
    assert got["demand_class"] == "intermittent"


def test_censored_periods_do_not_count() -> None:
    # Ten zero days during a stock-out would make it intermittent; censored, it stays smooth.
    ys = [10] * 50 + [0] * 10
    got = one(series("A", ys, censored=frozenset(range(50, 60))))
    assert (got["periods"], got["adi"], got["demand_class"]) == (50, 1.0, "smooth")


def test_new_and_inactive() -> None:
    assert one(series("A", [3] * 20))["demand_class"] == "new"  # began 20 days ago < 28
    assert one(series("A", [3] * 10 + [0] * 190))["demand_class"] == "inactive"
    assert one(series("A", [0] * 40))["demand_class"] == "inactive"  # never sold


def test_abc_by_yearly_value_and_xyz_by_variability() -> None:
    df = pl.concat([series("A", [8] * 60), series("B", [1, 3] * 30), series("C", [0, 0, 2] * 20)])
    items = pl.DataFrame(
        {"sku": ["A", "B", "C"], "unit_cost": [1.0, None, 1.0], "unit_price": [9.0, 1.5, 1.0]}
    )
    got = {r["sku"]: r for r in classify(df, items, CFG, as_of=AS_OF).iter_rows(named=True)}
    # Values: A 480 x 1 = 480, B 120 units x 1.5 (no cost: price) = 180, C 40 x 1 = 40; total 700.
    assert {k: got[k]["yearly_value"] for k in "ABC"} == {"A": 480.0, "B": 180.0, "C": 40.0}
    # Share before: A 0 -> A; B 480/700 = 0.686 -> A; C 660/700 = 0.943 -> B.
    assert {k: got[k]["abc"] for k in "ABC"} == {"A": "A", "B": "A", "C": "B"}
    # CV: A 0 -> X; B sd 1.0084 / mean 2 = 0.504 -> Y; C sd 0.9512 / mean 0.667 = 1.43 -> Z.
    assert {k: got[k]["xyz"] for k in "ABC"} == {"A": "X", "B": "Y", "C": "Z"}
