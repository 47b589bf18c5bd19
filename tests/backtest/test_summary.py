"""The summary's contract keys, cut from the score rows."""

from __future__ import annotations

from shortage_radar.backtest.summary import contract_keys


def _row(fill: float, precision: float) -> dict[str, float]:
    return {
        "series": 2,
        "fill_rate": fill,
        "inventory_value": 10.0,
        "orders": 3.0,
        "precision_7": precision,
        "recall_7": 0.5,
        "median_lead_7": 2.0,
        "held_out_threshold_7": 0.4,
    }


def test_the_contract_keys_are_cut_from_the_score_rows() -> None:
    methods = {
        "ours": {"all": _row(0.9, 0.8), "smooth": _row(0.95, 0.7)},
        "min_max": {"all": _row(0.6, 0.9)},
        "textbook": {"all": _row(0.8, 0.6)},
        "ours_on_min_max": {"all": _row(0.6, 0.85)},
    }
    forecast = {"all": {"rmsse": 0.5, "coverage_80": 0.81}, "smooth": {"rmsse": 0.4}}
    got = contract_keys(methods, forecast, (7,), 0.95)
    assert got["forecast"] == {
        "rmsse": 0.5,
        "coverage_80": 0.81,
        "by_class": {"smooth": {"rmsse": 0.4}},
    }
    # `<name>_<h>` keys go under the horizon, the rest are the policy's
    assert got["warnings"] == {
        "7": {"precision": 0.8, "recall": 0.5, "median_lead": 2.0, "held_out_threshold": 0.4}
    }
    policy = {
        "target_service_level": 0.95,
        "series": 2,
        "fill_rate": 0.9,
        "inventory_value": 10.0,
        "avg_inventory_value": 10.0,
        "orders": 3.0,
    }
    assert {k: v for k, v in got["policy"].items() if k != "by_class"} == policy
    assert got["policy"]["by_class"]["smooth"]["fill_rate"] == 0.95
    assert got["policy"]["by_class"]["smooth"]["7"]["precision"] == 0.7
    # the baselines under the contract's names, policy and warning keys side by side
    assert set(got["baselines"]) == {"minmax", "normal"}
    mm = got["baselines"]["minmax"]
    assert (mm["fill_rate"], mm["7"]["precision"], mm["by_class"]) == (0.6, 0.9, {})
    assert got["baselines"]["normal"]["target_service_level"] == 0.95
    # ours' warnings on the min/max rule's stock; the textbook stock was not replayed
    assert got["warnings_on_baseline_stock"] == {
        "minmax": {
            "7": {"precision": 0.85, "recall": 0.5, "median_lead": 2.0, "held_out_threshold": 0.4}
        }
    }
