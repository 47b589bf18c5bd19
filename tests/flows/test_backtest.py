"""The backtest flow's guard of the daily warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from flows.backtest import fresh_folder

from shortage_radar.errors import ConfigError


def test_a_folder_holding_the_daily_warehouse_is_refused(tmp_path: Path) -> None:
    fresh_folder(tmp_path / "bt")  # not there yet: fine
    (tmp_path / "warehouse.duckdb").touch()
    with pytest.raises(ConfigError, match="holds the daily run's warehouse"):
        fresh_folder(tmp_path)
