"""The worker's calls to Strava carry no cookie from another runner's answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runnerly_common.testing import CookieSettingServer
from strava_worker.budget import RateBudget, Windows
from strava_worker.sqlite_store import SqliteStore
from strava_worker.strava import StravaClient

PAIR = {"access_token": "a", "refresh_token": "r", "expires_at": 1, "id": 7}


@pytest.fixture
def strava() -> Iterator[CookieSettingServer]:
    server = CookieSettingServer(PAIR)
    yield server
    server.stop()


def test_one_runners_strava_cookie_is_not_sent_with_the_next_runners_calls(
    strava: CookieSettingServer, tmp_path: Path
) -> None:
    # Built as the runtime builds it: one client syncs every runner of the process.
    budget = RateBudget(SqliteStore(str(tmp_path / "budget.db")), Windows(100, 1000, 900, 86400))
    client = StravaClient(f"{strava.url}/api/v3", strava.url, "1000", "client-secret", budget)
    for runner in ("refresh-1", "refresh-2"):
        client.refresh(runner)
        client.get_athlete(f"access-of-{runner}")
    assert strava.cookies_sent == [None, None, None, None]
    assert strava.connections == 1  # the connection is still kept for the next runner
