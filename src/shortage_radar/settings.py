"""One typed settings object: config/default.toml, a --config file, SHORTAGE_RADAR_* variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from shortage_radar.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.toml"
DEFAULT_HORIZON = {"D": 90, "W": 13, "M": 6}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DuckDBSettings(_Section):
    memory_limit: str = Field("2GB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
    threads: int = Field(0, ge=0)


class PublishSettings(_Section):
    keep_versions: int = Field(5, ge=1)


class ClassifySettings(_Section):
    adi_cutoff: float = Field(1.32, gt=1)
    cv2_cutoff: float = Field(0.49, gt=0)
    new_days: int = Field(28, ge=1)
    inactive_days: int = Field(180, ge=1)
    abc: tuple[float, float] = (0.8, 0.95)
    xyz: tuple[float, float] = (0.5, 1.0)

    @field_validator("abc", "xyz")
    @classmethod
    def _ascending(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 < v[0] < v[1]:
            raise ValueError("must be two ascending positive numbers, like [0.8, 0.95]")
        return v


# AutoETS too: its simple exponential smoothing form is the classic benchmark for intermittent
# demand (Croston's method smooths sizes and intervals the same way), and its seasonal forms
# catch a weekly pattern the Croston family cannot; cross-validation decides per class.
INTERMITTENT = ("CrostonSBA", "TSB", "ADIDA", "IMAPA", "AutoETS")
CONTINUOUS = ("AutoETS", "AutoTheta", "SeasonalNaive", "WindowAverage")
MODELS = frozenset(
    {
        *INTERMITTENT,
        *CONTINUOUS,
        "CrostonClassic",
        "CrostonOptimized",
        "Naive",
        "HistoricAverage",
        "SeasonalExponentialSmoothingOptimized",
    }
)


class PortfolioSettings(_Section):
    smooth: tuple[str, ...] = CONTINUOUS
    erratic: tuple[str, ...] = CONTINUOUS
    intermittent: tuple[str, ...] = INTERMITTENT
    lumpy: tuple[str, ...] = INTERMITTENT

    @field_validator("smooth", "erratic", "intermittent", "lumpy")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [m for m in v if m not in MODELS]
        if not v or unknown:
            raise ValueError(f"must be a non-empty list of models among {sorted(MODELS)}")
        return v


class ForecastSettings(_Section):
    quantiles: tuple[float, ...] = (0.5, 0.8, 0.95)
    reselect_days: int = Field(7, ge=1)
    switch_margin: float = Field(0.1, ge=0, lt=1)
    cv_windows: int = Field(3, ge=1)
    cv_horizon: int = Field(0, ge=0)
    history: int = Field(0, ge=0)
    window: int = Field(0, ge=0)
    tsb_alpha: tuple[float, float] = (0.1, 0.1)
    new_prior_days: int = Field(14, ge=0)
    inactive_model: Literal["Zero", "LongRunRate"] = "Zero"
    # with LongRunRate: project an inactive series' stock with its chance to sell within the
    # projection (forecast/alive.py: from its last year's rate, or by idle length from past
    # comebacks; off: as forecast); its reorder levels read the forecast's paths as drawn
    inactive_alive: Literal["recent_rate", "comeback", "off"] = "recent_rate"
    # processes for the automatic models (engine.py says when a pool pays)
    n_jobs: int = Field(-1, ge=-1)
    portfolio: PortfolioSettings = PortfolioSettings()

    @field_validator("inactive_alive", mode="before")
    @classmethod
    def _was_a_switch(cls, v: object) -> object:
        # before "recent_rate" came it was on (the comeback curve) or off
        if isinstance(v, bool):
            return "comeback" if v else "off"
        return v

    @field_validator("n_jobs")
    @classmethod
    def _some_processes(cls, v: int) -> int:
        if v == 0:
            raise ValueError("must be -1 (one process per core) or 1 or more processes")
        return v

    @field_validator("quantiles")
    @classmethod
    def _whole_percents(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < q < 1 or abs(q * 100 - round(q * 100)) > 1e-9 for q in v):
            raise ValueError("must be probabilities in whole percents, like [0.5, 0.8, 0.95]")
        if not {0.5, 0.8, 0.95} <= set(v):
            raise ValueError("must include 0.5, 0.8 and 0.95 (the contract's q50, q80, q95)")
        return tuple(sorted(set(v)))


class SupplySettings(_Section):
    min_receipts: int = Field(5, ge=1)
    recent_days: int = Field(180, ge=1)
    lead_time_growth: float = Field(1.2, gt=1)
    unknown_delay_days: int = Field(7, ge=0)
    projection_days: int = Field(90, ge=1)
    paths: int = Field(1000, ge=10)
    seed: int = 0
    on_hand_band: bool = True


class PolicySettings(_Section):
    review_days: int = Field(7, ge=0)
    service_measure: Literal["cycle", "fill_rate"] = "cycle"
    abc_service_level: tuple[float, ...] = ()
    item_service_levels: bool = True
    order_cost: float = Field(0.0, ge=0)
    holding_rate: float = Field(0.0, ge=0)

    @field_validator("abc_service_level")
    @classmethod
    def _levels(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if v and (len(v) != 3 or not all(0.5 <= x <= 0.9999 for x in v)):
            raise ValueError("must be empty or three service levels in 0.5 .. 0.9999 (A, B, C)")
        return v


class WarningSettings(_Section):
    min_probability: float = Field(0.1, gt=0, le=1)
    severity: tuple[float, float, float] = (0.9, 0.7, 0.4)
    worse_by: float = Field(0.1, ge=0, le=1)
    surge_days: int = Field(28, ge=1)
    uncertain_overdispersion: float = Field(1.0, ge=0)

    @field_validator("severity")
    @classmethod
    def _descending(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if not 1 >= v[0] > v[1] > v[2] > 0:
            raise ValueError("must be three descending probabilities, like [0.9, 0.7, 0.4]")
        return v


class BacktestSettings(_Section):
    backorders: bool = True
    warn_probability: float = Field(0.5, gt=0, le=1)
    horizons: tuple[int, ...] = (7, 14, 28)
    minmax_extra_days: float = Field(14.0, ge=0)
    history_days: int = Field(730, ge=30)
    reselect_days: int = Field(91, ge=1)
    refit_between_selections: bool = False
    paths: int = Field(250, ge=10)
    poisson_paths: int = Field(0, ge=0)
    warnings_on: tuple[Literal["min_max", "textbook"], ...] = ()
    path_memo_mb: int = Field(3072, ge=0)
    curve_levels: tuple[float, ...] = (0.8, 0.9, 0.95, 0.99)
    curve_extra_days: tuple[float, ...] = (7.0, 14.0, 28.0, 56.0)


class ReportSettings(_Section):
    dir: str = ""  # a path; empty: warehouse_dir/reports (see Settings.reports_dir)
    charts: int = Field(10, ge=0)
    rows: int = Field(200, ge=1)


class ScheduleSettings(_Section):
    cron: str = "0 6 * * *"
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError("must be a cron expression of 5 fields, like '0 6 * * *'")
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone, like 'Europe/Berlin' or 'UTC'") from None
        return v


# A plain address (local@domain), the only form the mail settings take: no display names, no
# lists, nothing a header could be split on.
ADDRESS = r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\]+$"


class MailSettings(_Section):
    enabled: bool = False
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    timeout_seconds: float = Field(30.0, gt=0)
    sender: str = Field("", pattern=f"({ADDRESS})|^$")
    username: str = ""
    password_env: str = Field("SMTP_PASSWORD", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    subject_prefix: str = Field("[shortage-radar]", pattern=r"^[^\r\n]*$")
    report_url: str = ""
    recipients: dict[str, str] = Field(default_factory=dict)
    fallback_to: str = Field("", pattern=f"({ADDRESS})|^$")
    retries: int = Field(3, ge=0)
    retry_delay_seconds: float = Field(30.0, ge=0)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [k for k, a in v.items() if not re.match(ADDRESS, a)]
        if bad:
            raise ValueError(f"must map buyers to plain addresses (local@domain); not: {bad}")
        return v

    @model_validator(mode="after")
    def _sender_when_enabled(self) -> MailSettings:
        if self.enabled and not self.sender:
            raise ValueError("mail is enabled: set sender (the From address)")
        return self


class Settings(BaseSettings):
    """Every tunable of a run; config/default.toml documents each key."""

    model_config = SettingsConfigDict(
        env_prefix="SHORTAGE_RADAR_",
        env_nested_delimiter="__",
        case_sensitive=False,
        extra="forbid",
        frozen=True,
    )

    freq: Literal["D", "W", "M"] = "D"
    horizon: int = Field(0, ge=0)
    service_level: float = Field(0.95, ge=0.5, le=0.9999)
    engine: Literal["local", "dask"] = "local"
    dask_address: str = ""
    data_dir: Path | None = None
    warehouse_dir: Path = Path("data/warehouse")
    duckdb: DuckDBSettings = DuckDBSettings()
    publish: PublishSettings = PublishSettings()
    classify: ClassifySettings = ClassifySettings()
    schedule: ScheduleSettings = ScheduleSettings()
    forecast: ForecastSettings = ForecastSettings()
    supply: SupplySettings = SupplySettings()
    policy: PolicySettings = PolicySettings()
    warnings: WarningSettings = WarningSettings()
    backtest: BacktestSettings = BacktestSettings()
    mail: MailSettings = MailSettings()
    report: ReportSettings = ReportSettings()

    @field_validator("data_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v in ("", None) else v

    @field_validator("data_dir")
    @classmethod
    def _must_exist(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_dir():
            raise ValueError("path does not exist or is not a folder")
        return v

    def reports_dir(self) -> Path:
        """The folder holding reports/<as_of>/ folders: report.dir, else warehouse_dir/reports."""
        return Path(self.report.dir) if self.report.dir else self.warehouse_dir / "reports"

    @model_validator(mode="after")
    def _horizon_by_freq(self) -> Settings:
        if self.horizon == 0:
            object.__setattr__(self, "horizon", DEFAULT_HORIZON[self.freq])
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest priority first: explicit arguments (the CLI's), environment, then the files.
        files = [f for f in (DEFAULT_CONFIG, _USER_CONFIG.get("path")) if f is not None]
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, files))


# pydantic-settings builds sources in a classmethod, so the user file travels beside it.
_USER_CONFIG: dict[str, Path | None] = {"path": None}


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings, or raise ConfigError naming each bad key, its value and what is allowed.

    Later sources win: default.toml, the user file, the environment, then `overrides`.
    """
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"config file {config_file} does not exist")
    _USER_CONFIG["path"] = config_file
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        raise ConfigError(_explain(e, config_file)) from None
    except ValueError as e:  # a TOML syntax error surfaces as a ValueError subclass
        raise ConfigError(
            f"cannot read settings from {config_file or DEFAULT_CONFIG}: {e}"
        ) from None
    finally:
        _USER_CONFIG["path"] = None


def _explain(e: ValidationError, config_file: Path | None) -> str:
    where = f" (settings from {DEFAULT_CONFIG}"
    where += f", {config_file}" if config_file else ""
    where += " and SHORTAGE_RADAR_* variables)"
    lines = []
    for err in e.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown setting '{key}'")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"setting '{key}' = {err['input']!r} is not allowed: {msg}")
    return "bad configuration" + where + ":\n  " + "\n  ".join(lines)
