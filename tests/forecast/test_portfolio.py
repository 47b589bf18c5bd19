"""The model portfolio: statsforecast models by name and pinned spec, defaults per frequency."""

from __future__ import annotations

import numpy as np
import pytest
from statsforecast import models as sf

from shortage_radar.forecast.portfolio import SEASON, chosen_spec, make_model, periods
from shortage_radar.settings import MODELS, ForecastSettings, load_settings

CFG = load_settings().forecast


def test_ets_spec_with_damped_trend() -> None:
    m = make_model("AutoETS", "ETS(A,Ad,N)", "D", CFG)
    assert isinstance(m, sf.AutoETS)
    assert (m.model, m.damped, m.season_length, m.alias) == ("AAN", True, 7, "AutoETS")


def test_ets_spec_without_damping() -> None:
    m = make_model("AutoETS", "ETS(M,N,M)", "W", CFG)
    assert (m.model, m.damped, m.season_length) == ("MNM", False, 52)


def test_ets_without_spec_searches_all_forms() -> None:
    m = make_model("AutoETS", "", "M", CFG)
    assert (m.model, m.season_length) == ("ZZZ", 12)  # statsforecast's default: choose each


def test_theta_spec() -> None:
    m = make_model("AutoTheta", "OTM", "D", CFG)
    assert isinstance(m, sf.AutoTheta)
    assert (m.model, m.season_length, m.alias) == ("OTM", 7, "AutoTheta")
    assert make_model("AutoTheta", "", "D", CFG).model is None  # all four forms searched


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_known_model_builds_under_its_own_name(name: str) -> None:
    for freq in SEASON:
        m = make_model(name, "", freq, CFG)
        assert type(m).__name__ == name
        assert m.alias == name
        assert str(m) == name  # statsforecast names its output columns by this


def test_models_take_their_settings() -> None:
    cfg = ForecastSettings(window=5, tsb_alpha=(0.2, 0.3))
    assert make_model("WindowAverage", "", "D", cfg).window_size == 5
    assert make_model("WindowAverage", "", "W", CFG).window_size == 8  # default for weeks
    tsb = make_model("TSB", "", "D", cfg)
    assert (tsb.alpha_d, tsb.alpha_p) == (0.2, 0.3)
    assert make_model("SeasonalNaive", "", "M", CFG).season_length == 12


@pytest.mark.parametrize(
    ("key", "defaults"),
    [
        pytest.param("cv_horizon", {"D": 28, "W": 8, "M": 6}, id="cv_horizon"),
        pytest.param("history", {"D": 365, "W": 156, "M": 120}, id="history"),
        pytest.param("window", {"D": 28, "W": 8, "M": 6}, id="window"),
    ],
)
def test_periods_default_by_frequency(key: str, defaults: dict[str, int]) -> None:
    assert getattr(CFG, key) == 0  # the shipped config leaves them to the frequency
    assert {f: periods(CFG, key, f) for f in "DWM"} == defaults
    # A value set in the settings wins whatever the frequency.
    cfg = ForecastSettings(**{key: 3})
    assert {f: periods(cfg, key, f) for f in "DWM"} == {"D": 3, "W": 3, "M": 3}


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        pytest.param("AutoETS", "ETS(A,Ad,N)", id="ets-damped"),
        pytest.param("AutoETS", "ETS(A,N,A)", id="ets-seasonal"),
        pytest.param("AutoTheta", "DSTM", id="theta"),
    ],
)
def test_a_pinned_spec_is_what_the_fitted_model_reports(name: str, spec: str) -> None:
    # Selection stores chosen_spec of the fitted model; daily runs rebuild it with make_model:
    # the round trip must give back the same form. One tiny series of 8 weeks.
    rng = np.random.default_rng(0)
    t = np.arange(56)
    y = 20 + 0.2 * t + 4 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, t.size)
    fitted = make_model(name, spec, "D", CFG).fit(y)
    assert chosen_spec(name, fitted) == spec


def test_other_models_have_no_spec() -> None:
    fitted = make_model("Naive", "", "D", CFG).fit(np.arange(10, dtype=np.float64))
    assert chosen_spec("Naive", fitted) == ""
