"""The Prefect server `serve` needs: its URL from the Prefect settings, and whether it is up."""

from __future__ import annotations

import httpx
from prefect.settings import get_current_settings

from shortage_radar.errors import ConfigError

START_ONE = (
    "start one with `prefect server start` (see the README, Daily operation) and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def check_server() -> str:
    """The URL of the Prefect server to serve with, or ConfigError saying how to get one.

    Without a URL Prefect would start a temporary server that dies with this process, and
    the schedule with it.
    """
    url = get_current_settings().api.url
    if not url:
        raise ConfigError(
            f"serve needs a running Prefect server and PREFECT_API_URL is not set: {START_ONE}"
        )
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=10).raise_for_status()
    except httpx.HTTPError as e:
        raise ConfigError(
            f"no Prefect server answers at PREFECT_API_URL={url} ({e}): {START_ONE}"
        ) from None
    return url
