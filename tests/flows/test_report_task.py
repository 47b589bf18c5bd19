"""The report task in a flow run: the page is written and a markdown artifact links to it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from report import tiny_warehouse


@pytest.mark.slow
def test_report_task_writes_the_page_and_an_artifact(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from flows.daily import report
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.testing.utilities import prefect_test_harness

    from shortage_radar.settings import load_settings

    tiny_warehouse.build(con)
    settings = load_settings(warehouse_dir=tmp_path / "wh")

    @flow
    def run_report() -> Path:
        return report(con, settings, tiny_warehouse.AS_OF)

    with prefect_test_harness():
        page = run_report()
        with get_client(sync_client=True) as client:
            (artifact,) = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["buyers-report"]))
            )
    assert page == (tmp_path / "wh" / "reports" / "2026-06-01" / "index.html").resolve()
    assert page.is_file()
    assert artifact.type == "markdown"
    assert page.as_uri() in str(artifact.data)
    assert "| 1 | A | main | critical | 95% |" in str(artifact.data)
