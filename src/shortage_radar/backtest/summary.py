"""The backtest summary's contract keys: forecast, warnings, policy, baselines (CONTRACT.md 2)."""

from __future__ import annotations

from typing import Any

# the contract's names of the two baselines
BASELINES = {"min_max": "minmax", "textbook": "normal"}


def _split(row: dict[str, Any], horizons: tuple[int, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A method's score row cut into its policy scores and, per horizon ("14"), its warning
    scores: a key `<name>_<h>` for h in horizons goes to warnings[h][name]."""
    policy: dict[str, Any] = {}
    warnings: dict[str, dict[str, Any]] = {str(h): {} for h in horizons}
    for k, v in row.items():
        name, _, h = k.rpartition("_")
        if name and h in warnings:
            warnings[h][name] = v
        else:
            policy[k] = v
    if "inventory_value" in policy:
        policy["avg_inventory_value"] = policy["inventory_value"]
    return policy, warnings


def _method(
    per_class: dict[str, dict[str, Any]], horizons: tuple[int, ...], target: float
) -> dict[str, Any]:
    """A method's overall policy and warning scores, flat ({"fill_rate": x, "14": {...}}),
    and the same per demand class under by_class."""

    def flat(row: dict[str, Any]) -> dict[str, Any]:
        policy, warnings = _split(row, horizons)
        return {"target_service_level": target, **policy, **warnings}

    return {
        **flat(per_class["all"]),
        "by_class": {c: flat(r) for c, r in per_class.items() if c != "all"},
    }


def contract_keys(
    methods: dict[str, dict[str, dict[str, Any]]],
    forecast: dict[str, dict[str, Any]],
    horizons: tuple[int, ...],
    target: float,
) -> dict[str, Any]:
    """The contract's view of a backtest's scores. In: per method and demand class ("all"
    overall) its score row, per demand class the forecast's. Out: forecast (overall, and
    by_class), warnings ({"<h>": {"precision", "recall", ...}}) and policy (with
    target_service_level, avg_inventory_value) of ours, baselines {"minmax", "normal"} with
    the same keys flat, and warnings_on_baseline_stock: ours' warnings on each baseline's
    stock, where replayed."""
    ours = _method(methods["ours"], horizons, target)
    hs = [str(h) for h in horizons]
    return {
        "forecast": {
            **forecast.get("all", {}),
            "by_class": {c: r for c, r in forecast.items() if c != "all"},
        },
        "warnings": {h: ours[h] for h in hs},
        "policy": {k: v for k, v in ours.items() if k not in hs},
        "baselines": {
            BASELINES[name]: _method(per, horizons, target)
            for name, per in methods.items()
            if name in BASELINES
        },
        "warnings_on_baseline_stock": {
            BASELINES[base]: {h: w for h, w in _method(per, horizons, target).items() if h in hs}
            for name, per in methods.items()
            if (base := name.removeprefix("ours_on_")) in BASELINES and name != base
        },
    }
