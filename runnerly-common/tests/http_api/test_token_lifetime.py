"""The longest token a service accepts (``token_max_lifetime_seconds``) and the time claims
it insists on: each refusal is a 401 naming why."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runnerly_common.settings import Settings, SettingsError


@pytest.fixture
def client(make_app: Any) -> Any:
    return make_app(token_max_lifetime_seconds=1200).test_client()


def _refused(client: Any, token: str, bearer: Any) -> str:
    response = client.get("/runs", headers=bearer(token))
    assert response.status_code == 401, response.json
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    message: str = response.json["message"]
    return message


class TestLifetimeCap:
    def test_a_token_within_the_cap_passes(self, client: Any, issue: Any, bearer: Any) -> None:
        now = int(time.time())
        token = issue(iat=now, exp=now + 1200)
        assert client.get("/runs", headers=bearer(token)).status_code == 200

    def test_a_token_living_longer_than_the_cap_is_refused(
        self, client: Any, issue: Any, bearer: Any
    ) -> None:
        now = int(time.time())
        message = _refused(client, issue(iat=now, exp=now + 1201), bearer)
        assert "lifetime" in message and "1201 s" in message and "1200 s" in message

    def test_a_days_long_token_issued_in_the_past_is_refused(
        self, client: Any, issue: Any, bearer: Any
    ) -> None:
        # Still within its exp, but minted for far longer than anything we issue.
        now = int(time.time())
        message = _refused(client, issue(iat=now - 600, nbf=now - 600, exp=now + 86400), bearer)
        assert "lifetime" in message

    def test_the_default_cap_covers_the_tokendealers_longest_token_with_margin(self) -> None:
        # TOKENDEALER_ACCESS_TOKEN_TTL's default is 900 s.
        assert 900 < Settings.load(environ={}).token_max_lifetime_seconds <= 3600

    def test_it_can_be_set_once_for_the_whole_suite(self) -> None:
        settings = Settings.load(environ={"RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS": "600"})
        assert settings.token_max_lifetime_seconds == 600

    def test_a_cap_below_30_seconds_is_refused_at_start(self) -> None:
        with pytest.raises(SettingsError, match="TOKEN_MAX_LIFETIME_SECONDS"):
            Settings.load(environ={"RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS": "5"})


class TestTimeClaims:
    @pytest.mark.parametrize("claim", ["exp", "iat"])
    def test_a_token_without_it_is_refused_naming_it(
        self, client: Any, issue: Any, bearer: Any, claim: str
    ) -> None:
        message = _refused(client, issue(**{claim: None}), bearer)
        assert f"lacks the '{claim}' claim" in message

    def test_a_token_issued_in_the_future_beyond_the_leeway_is_refused_naming_iat(
        self, client: Any, issue: Any, bearer: Any
    ) -> None:
        now = int(time.time())
        message = _refused(client, issue(iat=now + 120, nbf=now, exp=now + 300), bearer)
        assert "issued in the future (iat)" in message

    def test_an_iat_within_the_leeway_passes(self, client: Any, issue: Any, bearer: Any) -> None:
        now = int(time.time())
        token = issue(iat=now + 10, nbf=now, exp=now + 300)
        assert client.get("/runs", headers=bearer(token)).status_code == 200

    def test_a_non_numeric_iat_is_refused(self, client: Any, issue: Any, bearer: Any) -> None:
        message = _refused(client, issue(iat="yesterday"), bearer)
        assert "iat" in message.lower()
