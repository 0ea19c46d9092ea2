"""Service tokens: one request to the tokendealer per token lifetime, however many callers."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from runnerly_common.service_client import (
    RUNNER_ID_TOKEN_TYPE,
    TOKEN_EXCHANGE,
    ServiceTokenClient,
    TokenError,
)


class TestClientCredentials:
    def test_it_asks_for_a_token_with_its_credentials_audience_and_scope(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        assert token_client.token() == "token-1"
        assert token_endpoint.calls == [
            {
                "form": {
                    "grant_type": "client_credentials",
                    "audience": "dataservice",
                    "scope": "runs:write",
                },
                "auth": "strava-worker:worker-secret",
            }
        ]

    def test_it_reuses_the_token_while_it_is_fresh(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        assert {token_client.token() for _ in range(20)} == {"token-1"}
        assert len(token_endpoint.calls) == 1

    def test_concurrent_threads_share_one_token_request(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        token_endpoint.delay = 0.2  # every thread asks while the first request is in flight
        start = threading.Barrier(16)
        tokens: list[str] = []

        def call() -> None:
            start.wait()
            tokens.append(token_client.token())

        threads = [threading.Thread(target=call) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert tokens == ["token-1"] * 16
        assert len(token_endpoint.calls) == 1

    def test_threads_waiting_on_a_refused_request_share_its_refusal(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        # A refusing or unreachable tokendealer: the threads that queued behind the request
        # are answered with its error, not each sent in turn after the last one's wait.
        token_endpoint.refuse = True
        token_endpoint.delay = 0.3
        start = threading.Barrier(4)
        errors: list[tuple[int | None, str | None]] = []

        def call() -> None:
            start.wait()
            try:
                token_client.token()
            except TokenError as exc:
                errors.append((exc.status, exc.error))

        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [(401, "invalid_client")] * 4
        assert len(token_endpoint.calls) == 1
        token_endpoint.refuse = False  # a refusal is not kept: the next call asks again
        assert token_client.token() == "token-2"

    def test_a_token_near_expiry_is_replaced_before_it_expires(
        self, token_client: ServiceTokenClient, token_endpoint: Any, clock: Any
    ) -> None:
        assert token_client.token() == "token-1"  # valid 300 s, refreshed 60 s early
        clock.advance(239)
        assert token_client.token() == "token-1"
        clock.advance(1)
        assert token_client.token() == "token-2"
        assert len(token_endpoint.calls) == 2

    def test_a_short_lived_token_is_kept_for_half_its_life(
        self, token_client: ServiceTokenClient, token_endpoint: Any, clock: Any
    ) -> None:
        token_endpoint.expires_in = 20
        assert token_client.token() == "token-1"
        clock.advance(9.9)
        assert token_client.token() == "token-1"
        clock.advance(0.1)
        assert token_client.token() == "token-2"

    def test_invalidate_forces_a_new_token(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        token_client.token()
        token_client.invalidate()
        assert token_client.token() == "token-2"

    def test_a_token_requested_before_invalidate_is_not_kept(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        token_endpoint.delay = 0.5
        fetching = threading.Thread(target=token_client.token)
        fetching.start()
        deadline = time.monotonic() + 5
        while not token_endpoint.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        token_client.invalidate()  # another thread's call was refused 401 meanwhile
        fetching.join()
        token_endpoint.delay = 0
        assert token_client.token() == "token-2"


class TestUserTokens:
    def test_it_exchanges_a_runner_id_for_a_user_token(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        assert token_client.user_token("runner-7", "runs:read") == "token-1"
        assert token_endpoint.calls[0]["form"] == {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": "runner-7",
            "subject_token_type": RUNNER_ID_TOKEN_TYPE,
            "audience": "dataservice",
            "scope": "runs:read",
        }

    def test_each_runner_and_scope_gets_its_own_cached_token(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        first = token_client.user_token("runner-7", "runs:read")
        assert token_client.user_token("runner-7", "runs:read") == first
        assert token_client.user_token("runner-8", "runs:read") != first
        assert token_client.user_token("runner-7", "runs:read runs:write") != first
        assert token_client.token() != first
        assert len(token_endpoint.calls) == 4

    def test_one_runners_slow_exchange_holds_up_no_other_token(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        # runnerly-web's threads ask tokens for different runners; the tokendealer may wait
        # seconds on the dataservice for one of them.
        token_endpoint.delays["runner-slow"] = 1.5
        slow = threading.Thread(target=token_client.user_token, args=("runner-slow", "runs:read"))
        slow.start()
        deadline = time.monotonic() + 5
        while not token_endpoint.calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert token_endpoint.calls, "the slow exchange never reached the tokendealer"
        began = time.monotonic()
        assert token_client.user_token("runner-fast", "runs:read") == "token-2"
        assert token_client.token() == "token-3"
        waited = time.monotonic() - began
        slow.join()
        assert waited < 0.75, f"other tokens waited {waited:.2f} s for one runner's exchange"
        assert token_client.user_token("runner-slow", "runs:read") == "token-1"  # kept


class TestFailures:
    def test_a_refusal_raises_token_error_with_the_status(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        token_endpoint.refuse = True
        with pytest.raises(TokenError, match=r"refused \(401\).*invalid_client") as refused:
            token_client.token()
        # Callers tell a refused runner from an unreachable tokendealer by these.
        assert (refused.value.status, refused.value.error) == (401, "invalid_client")

    def test_a_refused_token_is_not_cached(
        self, token_client: ServiceTokenClient, token_endpoint: Any
    ) -> None:
        token_endpoint.refuse = True
        with pytest.raises(TokenError):
            token_client.token()
        token_endpoint.refuse = False
        assert token_client.token() == "token-2"

    def test_an_unreachable_tokendealer_raises_token_error(self, serve: Any, clock: Any) -> None:
        server = serve(lambda environ, start_response: [])
        server.stop()
        client = ServiceTokenClient(
            f"{server.url}/oauth/token", "w", "s", audience="dataservice", clock=clock
        )
        with pytest.raises(TokenError, match="tokendealer unreachable") as failed:
            client.token()
        assert (failed.value.status, failed.value.error) == (None, None)
        client.http.close()
