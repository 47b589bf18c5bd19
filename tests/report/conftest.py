"""The tiny warehouse of tiny_warehouse.py, and what the report reads from it."""

from __future__ import annotations

import duckdb
import pytest

from report import tiny_warehouse
from shortage_radar.report.read import ReportData, read_report


@pytest.fixture
def tiny(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    tiny_warehouse.build(con)
    return con


@pytest.fixture
def data(tiny: duckdb.DuckDBPyConnection) -> ReportData:
    return read_report(tiny, tiny_warehouse.AS_OF, charts=10, recent_days=180)
