"""The statsforecast models by name, and the per-frequency defaults they are built with."""

from __future__ import annotations

import re
from typing import Any

from statsforecast import models as sf

from shortage_radar.settings import ForecastSettings

SEASON = {"D": 7, "W": 52, "M": 12}
# Models fitted with a season length: they need two seasons of history.
SEASONAL = frozenset(
    {"AutoETS", "AutoTheta", "SeasonalNaive", "SeasonalExponentialSmoothingOptimized"}
)
_BY_FREQ = {
    "cv_horizon": {"D": 28, "W": 8, "M": 6},
    "history": {"D": 365, "W": 156, "M": 120},
    "window": {"D": 28, "W": 8, "M": 6},
}
DAYS = {"D": 1, "W": 7, "M": 30}


def in_periods(days: int, freq: str) -> int:
    """The whole periods of `freq` that `days` days take, rounded up (a part period counts)."""
    return -(-days // DAYS[freq])


def periods(cfg: ForecastSettings, key: str, freq: str) -> int:
    """A period count from the settings, its default for `freq` where set to 0."""
    value: int = getattr(cfg, key)
    return value or _BY_FREQ[key][freq]


def make_model(name: str, spec: str, freq: str, cfg: ForecastSettings) -> Any:
    """A statsforecast model, aliased `name` so output columns are named the same whatever `spec`.

    `spec` pins what an automatic model chose at selection, so daily runs refit only that
    form: AutoETS "ETS(A,Ad,N)" (Hyndman et al. 2008 notation: error, trend, season; "d" damped)
    and AutoTheta "STM"/"OTM"/"DSTM"/"DOTM" (Fiorucci et al. 2016). Empty: search all forms.
    """
    season = SEASON[freq]
    if name == "AutoETS":
        if spec:
            error, trend, seas = re.findall(r"[A-Z]d?", spec.removeprefix("ETS"))
            return sf.AutoETS(
                season_length=season,
                model=error + trend[0] + seas,
                damped=trend.endswith("d"),
                alias=name,
            )
        return sf.AutoETS(season_length=season, alias=name)
    if name == "AutoTheta":
        return sf.AutoTheta(season_length=season, model=spec or None, alias=name)
    if name in ("SeasonalNaive", "SeasonalExponentialSmoothingOptimized"):
        return getattr(sf, name)(season_length=season, alias=name)
    if name == "WindowAverage":
        return sf.WindowAverage(window_size=periods(cfg, "window", freq), alias=name)
    if name == "TSB":
        return sf.TSB(alpha_d=cfg.tsb_alpha[0], alpha_p=cfg.tsb_alpha[1], alias=name)
    return getattr(sf, name)(alias=name)


def chosen_spec(name: str, fitted: Any) -> str:
    """The form an automatic model settled on after fitting, for make_model; "" for the others."""
    if name == "AutoETS":
        return str(fitted.model_.get("method", ""))  # a constant series has no ETS form
    if name == "AutoTheta":
        return str(fitted.model_.get("modeltype", ""))
    return ""
