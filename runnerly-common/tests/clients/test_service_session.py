"""Calls to other services carry the request id and a bearer token, with timeouts and one
retry after a 401, and no cookie an earlier answer set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask

from runnerly_common import Settings, create_app
from runnerly_common.service_client import (
    CookielessSession,
    ServiceSession,
    ServiceTokenClient,
)
from runnerly_common.testing import CookieSettingServer


@pytest.fixture
def session() -> Iterator[ServiceSession]:
    with ServiceSession(retries=0) as session:
        yield session


@pytest.fixture
def relay_app(downstream: Any) -> Iterator[Flask]:
    """A service whose view calls the downstream service while serving a request."""
    app = create_app("runnerly-web", Settings.load(environ={}, env="test"), configure_logs=False)
    outgoing = ServiceSession()

    @app.get("/dashboard")
    def dashboard() -> dict[str, Any]:
        return outgoing.get(f"{downstream.url}/api/v1/runs").json()

    yield app
    outgoing.close()


class TestRequestIdPropagation:
    def test_the_incoming_request_id_reaches_the_downstream_service(
        self, relay_app: Flask, downstream: Any
    ) -> None:
        response = relay_app.test_client().get(
            "/dashboard", headers={"X-Request-ID": "gw-trace-00042"}
        )
        assert response.status_code == 200
        assert downstream.calls[0]["X-Request-Id"] == "gw-trace-00042"

    def test_a_generated_request_id_reaches_the_downstream_service(
        self, relay_app: Flask, downstream: Any
    ) -> None:
        response = relay_app.test_client().get("/dashboard")
        assert downstream.calls[0]["X-Request-Id"] == response.headers["X-Request-ID"]

    def test_each_request_passes_its_own_id(self, relay_app: Flask, downstream: Any) -> None:
        client = relay_app.test_client()
        ids = [client.get("/dashboard").headers["X-Request-ID"] for _ in range(3)]
        assert [call["X-Request-Id"] for call in downstream.calls] == ids

    def test_no_request_id_is_invented_outside_a_request(
        self, session: ServiceSession, downstream: Any
    ) -> None:
        session.get(f"{downstream.url}/ping")
        assert "X-Request-Id" not in downstream.calls[0]

    def test_an_id_set_by_the_caller_is_kept(
        self, relay_app: Flask, session: ServiceSession, downstream: Any
    ) -> None:
        with relay_app.test_request_context(headers={"X-Request-ID": "from-request-1"}):
            relay_app.preprocess_request()
            session.get(f"{downstream.url}/ping", headers={"X-Request-ID": "task-2024-0001"})
        assert downstream.calls[0]["X-Request-Id"] == "task-2024-0001"


class TestBearerToken:
    @pytest.fixture
    def authorized(self, token_client: ServiceTokenClient) -> Iterator[ServiceSession]:
        with token_client.authorized_session(retries=0) as session:
            yield session

    def test_every_call_carries_the_service_token(
        self, authorized: ServiceSession, downstream: Any, token_endpoint: Any
    ) -> None:
        for _ in range(3):
            authorized.post(f"{downstream.url}/api/v1/runs", json={})
        assert {call["Authorization"] for call in downstream.calls} == {"Bearer token-1"}
        assert len(token_endpoint.calls) == 1

    def test_a_401_is_retried_once_with_a_fresh_token(
        self, authorized: ServiceSession, downstream: Any, token_endpoint: Any
    ) -> None:
        downstream.reject_token = "token-1"  # e.g. signed with a key since withdrawn
        response = authorized.get(f"{downstream.url}/api/v1/runs")
        assert response.status_code == 200
        assert [call["Authorization"] for call in downstream.calls] == [
            "Bearer token-1",
            "Bearer token-2",
        ]
        assert len(token_endpoint.calls) == 2

    def test_a_second_401_is_returned_not_retried_again(
        self, authorized: ServiceSession, downstream: Any
    ) -> None:
        downstream.statuses = [401, 401, 401]
        response = authorized.get(f"{downstream.url}/api/v1/runs")
        assert response.status_code == 401
        assert len(downstream.calls) == 2

    def test_an_explicit_authorization_header_wins_and_is_not_retried(
        self, authorized: ServiceSession, downstream: Any, token_endpoint: Any
    ) -> None:
        downstream.statuses = [401]
        response = authorized.get(f"{downstream.url}/x", headers={"Authorization": "Bearer u"})
        assert response.status_code == 401
        assert [call["Authorization"] for call in downstream.calls] == ["Bearer u"]
        assert token_endpoint.calls == []


class TestTimeoutsAndRetries:
    def test_a_slow_service_times_out_instead_of_hanging(self, downstream: Any) -> None:
        downstream.delay = 1.0
        started = time.monotonic()
        # requests reports a read timeout under a Retry policy as a ConnectionError
        # (not requests.Timeout): callers should catch requests.RequestException.
        with (
            ServiceSession(timeout=0.2, retries=0) as session,
            pytest.raises(requests.ConnectionError, match="Read timed out"),
        ):
            session.get(f"{downstream.url}/slow")
        assert time.monotonic() - started < 0.9

    def test_an_idempotent_call_is_retried_after_a_503(self, downstream: Any) -> None:
        downstream.statuses = [503]
        with ServiceSession(retries=2) as session:
            assert session.get(f"{downstream.url}/api/v1/runs").status_code == 200
        assert len(downstream.calls) == 2

    def test_a_post_is_not_retried(self, downstream: Any) -> None:
        downstream.statuses = [503]
        with ServiceSession(retries=2) as session:
            assert session.post(f"{downstream.url}/api/v1/runs").status_code == 503
        assert len(downstream.calls) == 1


class TestNoCookies:
    """One session serves every runner's calls: a cookie set in one runner's answer would go
    with the next runner's request (a server's session for the wrong person)."""

    @pytest.fixture
    def sets_cookies(self) -> Iterator[CookieSettingServer]:
        server = CookieSettingServer({"access_token": "a"})
        yield server
        server.stop()

    @pytest.mark.parametrize("kind", [CookielessSession, ServiceSession])
    def test_no_call_sends_a_cookie_an_earlier_answer_set(
        self, kind: type[requests.Session], sets_cookies: CookieSettingServer
    ) -> None:
        with kind() as shared:
            for runner in ("runner-1", "runner-2", "runner-3"):
                shared.post(f"{sets_cookies.url}/oauth/token", data={"code": runner})
        assert sets_cookies.cookies_sent == [None, None, None]
        assert sets_cookies.connections == 1  # still pooled

    def test_a_cookie_given_for_one_call_is_sent(self, sets_cookies: CookieSettingServer) -> None:
        with CookielessSession() as session:
            session.get(f"{sets_cookies.url}/x", cookies={"chosen": "1"})
            session.get(f"{sets_cookies.url}/x")
        assert sets_cookies.cookies_sent == ["chosen=1", None]
