"""Settings: defaults from config/default.toml, a user file, the environment, and clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from shortage_radar.errors import ConfigError
from shortage_radar.settings import DEFAULT_CONFIG, Settings, load_settings


def test_default_toml_documents_every_key_with_the_model_defaults() -> None:
    text = DEFAULT_CONFIG.read_text()
    toml = tomllib.loads(text)
    assert set(toml) == set(Settings.model_fields)
    expected = Settings.model_construct().model_dump(mode="json")  # no validators: horizon 0
    assert toml == {**expected, "data_dir": ""}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"key without a comment: {line}"


def test_defaults() -> None:
    s = load_settings()
    assert (s.freq, s.horizon, s.service_level, s.engine) == ("D", 90, 0.95, "local")
    assert s.warehouse_dir == Path("data/warehouse")


@pytest.mark.parametrize(("freq", "horizon"), [("D", 90), ("W", 13), ("M", 6)])
def test_horizon_follows_freq_unless_set(
    monkeypatch: pytest.MonkeyPatch, freq: str, horizon: int
) -> None:
    monkeypatch.setenv("SHORTAGE_RADAR_FREQ", freq)
    assert load_settings().horizon == horizon
    monkeypatch.setenv("SHORTAGE_RADAR_HORIZON", "30")
    assert load_settings().horizon == 30


def test_user_file_then_environment_then_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user = tmp_path / "user.toml"
    user.write_text('service_level = 0.9\nfreq = "W"\n[duckdb]\nthreads = 3\n')
    s = load_settings(user)
    assert (s.service_level, s.freq, s.duckdb.threads, s.duckdb.memory_limit) == (
        0.9,
        "W",
        3,
        "2GB",
    )
    monkeypatch.setenv("SHORTAGE_RADAR_SERVICE_LEVEL", "0.97")
    monkeypatch.setenv("SHORTAGE_RADAR_DUCKDB__MEMORY_LIMIT", "4GB")
    s = load_settings(user)
    assert (s.service_level, s.duckdb.memory_limit) == (0.97, "4GB")
    assert load_settings(user, service_level=0.99).service_level == 0.99


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        pytest.param(
            "service_level = 1.5",
            "setting 'service_level' = 1.5 is not allowed: "
            "Input should be less than or equal to 0.9999",
            id="service-level",
        ),
        pytest.param(
            'freq = "Q"',
            "setting 'freq' = 'Q' is not allowed: Input should be 'D', 'W' or 'M'",
            id="unknown-frequency",
        ),
        pytest.param(
            'data_dir = "/no/such/folder"',
            "setting 'data_dir' = '/no/such/folder' is "
            "not allowed: path does not exist or is not a folder",
            id="missing-path",
        ),
        pytest.param(
            '[schedule]\ntimezone = "Mars/Olympus"',
            "setting 'schedule.timezone' = "
            "'Mars/Olympus' is not allowed: must be an IANA time zone",
            id="time-zone",
        ),
        pytest.param(
            "[forecast]\nn_jobs = 0",
            "setting 'forecast.n_jobs' = 0 is not allowed: "
            "must be -1 (one process per core) or 1 or more processes",
            id="no-processes",
        ),
        pytest.param("servce_level = 0.9", "unknown setting 'servce_level'", id="typo"),
        pytest.param("freq = ", "cannot read settings from", id="toml-syntax"),
    ],
)
def test_bad_value_names_key_value_and_what_is_allowed(
    tmp_path: Path, toml: str, says: str
) -> None:
    user = tmp_path / "user.toml"
    user.write_text(toml + "\n")
    with pytest.raises(ConfigError) as e:
        load_settings(user)
    assert says in str(e.value)


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTAGE_RADAR_ENGINE", "spark")
    with pytest.raises(
        ConfigError,
        match="setting 'engine' = 'spark' is not allowed: Input should be 'local' or 'dask'",
    ):
        load_settings()


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
