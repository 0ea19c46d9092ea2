"""The JWKS cache, fetched over HTTP from a real local server that counts its requests."""

from __future__ import annotations

import inspect
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common.auth import JWKSCache, TokenVerifier, init_app

# The real-time tests rely on the settings: an interval of 0 refetches on every unknown
# kid, one of 600 s never refetches during a test.  The tests that need time to pass
# give the cache a clock they move by hand.


class TestKeysPublishedLater:
    def test_a_new_key_is_used_on_its_first_token(
        self, make_app: Any, jwks_server: Any, issue: Any, bearer: Any, make_key: Any
    ) -> None:
        client = make_app(jwks_min_refetch_seconds=0).test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        rotated = make_key("ES256")
        jwks_server.keys.append(rotated)

        response = client.get("/runs", headers=bearer(issue(key=rotated)))

        assert response.status_code == 200
        assert jwks_server.fetches == 2


class TestUnknownKidFlood:
    def test_it_does_not_refetch_within_the_configured_interval(
        self, make_app: Any, jwks_server: Any, issue: Any, bearer: Any
    ) -> None:
        client = make_app(jwks_min_refetch_seconds=600).test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200

        for _ in range(30):
            response = client.get("/runs", headers=bearer(issue(kid=uuid.uuid4().hex)))
            assert response.status_code == 401

        assert jwks_server.fetches == 1


class TestJWKSServerDown:
    @pytest.fixture
    def client(self, make_app: Any, issue: Any, bearer: Any) -> Any:
        # No caching at all: every request tries the JWKS server again.
        client = make_app(jwks_cache_seconds=0, jwks_min_refetch_seconds=0).test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        return client

    def test_tokens_with_known_kids_still_verify_when_it_is_stopped(
        self,
        client: Any,
        jwks_server: Any,
        issue: Any,
        bearer: Any,
        rs_key: Any,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        jwks_server.live.stop()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        assert client.get("/readyz").status_code == 200
        assert "keeping 2 known keys" in caplog.text  # it was tried, and it was down

    def test_tokens_with_known_kids_still_verify_when_it_answers_errors(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any
    ) -> None:
        jwks_server.status = 503
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        assert jwks_server.fetches == 2  # it was asked, and its answer was not taken

    def test_unknown_kids_are_still_refused_when_it_is_stopped(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any
    ) -> None:
        # Refused, but as the outage it is (503), not as the client's fault (401).
        jwks_server.live.stop()
        response = client.get("/runs", headers=bearer(issue(kid="rotated-in")))
        assert response.status_code == 503
        assert response.json["code"] == "keys_unavailable"


class TestKeysUnavailable:
    """A token signed by a key the verifier has not seen while the JWKS cannot be fetched:
    nobody can tell whether it is good, so the answer is the server's 503, which the
    error-ratio alert counts, not a 401 blaming the client."""

    @pytest.fixture
    def client(self, make_app: Any, issue: Any, bearer: Any) -> Any:
        client = make_app(jwks_min_refetch_seconds=0).test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        return client

    @pytest.fixture
    def rotated(self, client: Any, jwks_server: Any, make_key: Any) -> Any:
        key = make_key("ES256")
        jwks_server.keys.append(key)  # published after the verifier's first fetch
        return key

    @pytest.mark.parametrize("trouble", ["errors", "stopped"])
    def test_a_valid_token_with_a_new_kid_is_answered_503_with_retry_after(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, rotated: Any, trouble: str
    ) -> None:
        if trouble == "errors":
            jwks_server.status = 503
        else:
            jwks_server.live.stop()

        response = client.get("/runs", headers=bearer(issue(key=rotated)))

        assert response.status_code == 503
        assert response.json["code"] == "keys_unavailable"
        assert "JWKS" in response.json["message"] and response.json["request_id"]
        assert int(response.headers["Retry-After"]) > 0
        assert "WWW-Authenticate" not in response.headers

    def test_before_any_key_was_fetched_every_token_is_answered_503(
        self, make_app: Any, jwks_server: Any, issue: Any, bearer: Any
    ) -> None:
        jwks_server.status = 500
        client = make_app().test_client()
        response = client.get("/runs", headers=bearer(issue()))
        assert response.status_code == 503
        assert response.json["code"] == "keys_unavailable"

    def test_the_503_is_counted_where_the_error_ratio_alert_reads(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, rotated: Any
    ) -> None:
        before = _answered_503(client)
        jwks_server.status = 502
        assert client.get("/runs", headers=bearer(issue(key=rotated))).status_code == 503
        assert _answered_503(client) - before == 1

    def test_a_kid_unknown_to_a_jwks_fetched_fine_stays_401(
        self, client: Any, issue: Any, bearer: Any
    ) -> None:
        response = client.get("/runs", headers=bearer(issue(kid="never-published")))
        assert response.status_code == 401
        assert "unknown key id" in response.json["message"]

    def test_once_the_jwks_answers_again_the_new_key_verifies(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, rotated: Any
    ) -> None:
        jwks_server.status = 503
        assert client.get("/runs", headers=bearer(issue(key=rotated))).status_code == 503
        jwks_server.status = 200
        assert client.get("/runs", headers=bearer(issue(key=rotated))).status_code == 200


def _answered_503(client: Any) -> float:
    """``runnerly_http_requests_total`` of ``GET /runs`` answered 503 (the alert's series)."""
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "runnerly_http_requests_total"
                and sample.labels.get("route") == "/runs"
                and sample.labels.get("status") == "503"
            ):
                return sample.value
    return 0.0


class TestMalformedJWKSEntries:
    def test_broken_entries_are_skipped_and_good_keys_kept(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, attacker_key: Any
    ) -> None:
        jwks_server.extra_entries = [
            {**attacker_key.jwk, "alg": None},  # no alg: the key cannot pick one
            {**attacker_key.jwk, "kid": "enc-key", "use": "enc"},  # not a signing key
            {"kty": "EC", "kid": "garbage", "alg": "ES256", "crv": "P-256", "x": "AA"},
            "not an object",
        ]
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        for kid in ("attacker", "enc-key", "garbage"):
            token = issue(key=attacker_key, kid=kid)
            assert client.get("/runs", headers=bearer(token)).status_code == 401


# --- with a clock moved by hand --------------------------------------------------------


@pytest.fixture
def cache(jwks_server: Any, clock: Any) -> Iterator[JWKSCache]:
    http = requests.Session()
    yield JWKSCache(jwks_server.url, http, ttl=300, min_refetch_interval=10, clock=clock)
    http.close()


@pytest.fixture
def clocked_app(app: Flask, cache: JWKSCache) -> Flask:
    """The test app, its verifier reading keys through the hand-driven cache."""
    configured = app.extensions["runnerly.verifier"]
    init_app(
        app,
        TokenVerifier(
            cache, issuer=configured.issuer, audience=configured.audience, leeway=configured.leeway
        ),
    )
    return app


class TestRefetchOnUnknownKid:
    @pytest.fixture
    def client(self, clocked_app: Flask, issue: Any, bearer: Any, clock: Any) -> Any:
        client = clocked_app.test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        clock.advance(11)  # past the minimum refetch interval, well within the ttl
        return client

    def test_an_unknown_kid_triggers_one_refetch(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any
    ) -> None:
        assert client.get("/runs", headers=bearer(issue(kid="k-1"))).status_code == 401
        assert jwks_server.fetches == 2

    def test_a_flood_of_unknown_kids_refetches_once_per_interval(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, clock: Any
    ) -> None:
        for _ in range(3):
            for _second in range(10):  # a request a second for a whole interval
                token = issue(kid=uuid.uuid4().hex)
                assert client.get("/runs", headers=bearer(token)).status_code == 401
                clock.advance(1)
        assert jwks_server.fetches == 1 + 3

    def test_a_key_published_after_the_last_fetch_is_used_on_its_first_token(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, make_key: Any
    ) -> None:
        rotated = make_key("RS256")
        jwks_server.keys.append(rotated)
        response = client.get("/runs", headers=bearer(issue(key=rotated)))
        assert response.status_code == 200
        assert jwks_server.fetches == 2

    def test_known_kids_cause_no_fetch_at_all(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, rs_key: Any
    ) -> None:
        for key in (None, rs_key) * 10:
            assert client.get("/runs", headers=bearer(issue(key=key))).status_code == 200
        assert jwks_server.fetches == 1


class TestCacheLifetime:
    def test_a_key_withdrawn_from_the_jwks_stops_verifying_after_the_ttl(
        self,
        clocked_app: Flask,
        jwks_server: Any,
        issue: Any,
        bearer: Any,
        clock: Any,
        rs_key: Any,
    ) -> None:
        client = clocked_app.test_client()
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        jwks_server.keys.remove(rs_key)

        clock.advance(299)
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        clock.advance(1)
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 401


class TestConcurrentLookups:
    def test_threads_missing_the_same_unknown_kid_at_once_cause_one_fetch(
        self, cache: JWKSCache, jwks_server: Any, es_key: Any, clock: Any
    ) -> None:
        assert cache.get(es_key.kid) is not None
        clock.advance(11)
        start = threading.Barrier(16)
        found: list[Any] = []

        def lookup() -> None:
            start.wait()
            found.append(cache.get("rotated-in"))

        threads = [threading.Thread(target=lookup) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == [None] * 16
        assert jwks_server.fetches == 1 + 1

    def test_threads_arriving_during_the_first_fetch_wait_for_its_keys(
        self, cache: JWKSCache, jwks_server: Any, es_key: Any
    ) -> None:
        # A threaded worker's first requests: one thread fetches the JWKS, the others come
        # while the answer is on its way. They must wait for it, not refuse a valid token
        # as signed by an unknown key (this was a 401 for every thread but the first).
        jwks_server.delay = 0.5
        found: list[Any] = []

        def lookup() -> None:
            found.append(cache.get(es_key.kid))

        first = threading.Thread(target=lookup)
        first.start()
        time.sleep(0.2)  # the first thread's fetch is under way
        others = [threading.Thread(target=lookup) for _ in range(8)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join()
        assert [key and key.key_id for key in found] == [es_key.kid] * 9
        assert jwks_server.fetches == 1

    def test_a_fetch_ending_just_after_a_thread_found_no_key_is_not_missed(
        self, cache: JWKSCache, jwks_server: Any, es_key: Any
    ) -> None:
        # The narrow case of the one above: the thread reads the keys while the fetch is on
        # its way, and the fetch ends before the thread checks whether one is. The thread
        # is held at that check (a line trace) until the fetch has ended.
        jwks_server.delay = 0.3
        source = inspect.getsource(JWKSCache.get).splitlines()
        check = JWKSCache.get.__code__.co_firstlineno + next(
            n for n, line in enumerate(source) if "self._lock.locked()" in line
        )
        at_check, fetched = threading.Event(), threading.Event()
        found: list[Any] = []

        def hold(frame: Any, event: str, _arg: Any) -> Any:
            if frame.f_code is not JWKSCache.get.__code__:
                return None
            if event == "line" and frame.f_lineno == check and not at_check.is_set():
                at_check.set()
                fetched.wait(5)
            return hold

        def lookup() -> None:
            sys.settrace(hold)
            try:
                found.append(cache.get(es_key.kid))
            finally:
                sys.settrace(None)

        fetching = threading.Thread(target=cache.get, args=(es_key.kid,))
        fetching.start()
        deadline = time.monotonic() + 5
        while not jwks_server.fetches and time.monotonic() < deadline:
            time.sleep(0.01)
        late = threading.Thread(target=lookup)
        late.start()
        assert at_check.wait(5), "the thread never reached the check"
        fetching.join()
        fetched.set()
        late.join()
        assert [key and key.key_id for key in found] == [es_key.kid]
        assert jwks_server.fetches == 1


class TestRevocationBound:
    """A key withdrawn from the JWKS (revoked) stops verifying within the max-age the
    tokendealer serves its JWKS with, however long the service's own cache setting."""

    @pytest.fixture
    def client(self, clocked_app: Flask, jwks_server: Any, issue: Any, bearer: Any) -> Any:
        jwks_server.cache_control = "public, max-age=60"
        client = clocked_app.test_client()
        assert client.get("/runs", headers=bearer(issue())).status_code == 200
        return client

    def test_a_withdrawn_key_is_refused_once_the_max_age_has_passed(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, clock: Any, rs_key: Any
    ) -> None:
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        jwks_server.keys.remove(rs_key)  # revoked at the tokendealer

        clock.advance(59)
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        clock.advance(1)
        response = client.get("/runs", headers=bearer(issue(key=rs_key)))

        assert response.status_code == 401
        assert "withdrawn (revoked or retired)" in response.json["message"]
        assert client.get("/runs", headers=bearer(issue())).status_code == 200

    def test_an_unchanged_jwks_is_asked_for_with_its_etag_and_answered_304(
        self, client: Any, jwks_server: Any, issue: Any, bearer: Any, clock: Any, rs_key: Any
    ) -> None:
        clock.advance(60)
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        assert (jwks_server.fetches, jwks_server.not_modified) == (2, 1)
        clock.advance(59)  # the 304 counts as a fresh answer
        assert client.get("/runs", headers=bearer(issue(key=rs_key))).status_code == 200
        assert jwks_server.fetches == 2

    def test_a_kid_never_seen_is_still_unknown_not_withdrawn(
        self, client: Any, issue: Any, bearer: Any
    ) -> None:
        response = client.get("/runs", headers=bearer(issue(kid="never-published")))
        assert response.status_code == 401
        assert "unknown key id" in response.json["message"]


@pytest.mark.parametrize(
    ("header", "lifetime"),
    [
        (None, 300),
        ("public, max-age=60", 60),
        ("max-age=600", 300),  # the service's own setting is the longest
        ('public, s-maxage=5, max-age="30"', 30),  # s-maxage is for shared caches
        ("no-store", 0),
        ("public, no-cache", 0),
        ("public", 300),
    ],
)
def test_cache_lifetime(header: str | None, lifetime: float) -> None:
    from runnerly_common.auth.jwks import cache_lifetime

    assert cache_lifetime(header, 300) == lifetime
