"""The web app's calls to Strava's OAuth carry no cookie from another runner's answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.testing import CookieSettingServer
from runnerly_web.dataservice_client import DataService
from runnerly_web.strava.oauth import StravaOAuth

GRANT = {"access_token": "a", "refresh_token": "r", "expires_at": 1, "athlete": {"id": 7}}


@pytest.fixture
def strava() -> Iterator[CookieSettingServer]:
    server = CookieSettingServer(GRANT)
    yield server
    server.stop()


def test_one_runners_strava_cookie_is_not_sent_with_the_next_runners_exchange(
    strava: CookieSettingServer,
) -> None:
    # Built as the app factory builds it: one client for every runner of the process.
    unused = "http://127.0.0.1:9"
    dataservice = DataService(unused, ServiceTokenClient(unused, "id", "s", audience="x"), "")
    oauth = StravaOAuth(strava.url, "client-id", "client-secret", dataservice)
    for code in ("runner-1", "runner-2", "runner-3"):
        assert oauth.exchange(code)["athlete"] == {"id": 7}
    assert strava.cookies_sent == [None, None, None]
    assert strava.connections == 1  # the connection is still kept for the next runner
