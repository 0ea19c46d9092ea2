"""Rate and concurrency limits: the leaky bucket's arithmetic, bursts with and without
delay, 429 with Retry-After and a JSON body, per-class and per-subject buckets."""

from __future__ import annotations

import base64
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import UPSTREAM_DOWN, merge_limits

from runnerly_common.settings import SettingsError
from runnerly_gateway.limits import parse_limits

SHIPPED = parse_limits(merge_limits(None))
# So slow it never leaks during a test: what passes is the burst, exactly.
STRICT = {"rate": "1r/m", "burst": 2, "nodelay": True}


def jwt_with(claims: dict) -> str:
    """A token shaped like the tokendealer's; the gateway reads its subject unverified."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


def statuses(gw, path, count, method="GET", **kwargs):
    return [
        requests.request(method, gw.url(path), timeout=10, **kwargs).status_code
        for _ in range(count)
    ]


class TestLeakyBucketArithmetic:
    """Driven with explicit clock readings (ms) through the test target's probe location."""

    def probe(self, gw, rate, burst, at, commit=True):
        response = requests.get(
            gw.url("/_gateway/test/leaky_bucket"),
            params={
                "rate": rate,
                "burst": burst,
                "at": ",".join(map(str, at)),
                "commit": int(commit),
            },
            timeout=5,
        )
        assert response.status_code == 200
        return response.json()

    def test_a_burst_passes_then_the_next_request_waits_for_a_slot_to_leak(self, gateway):
        results = self.probe(gateway(), rate=2, burst=3, at=[0, 0, 0, 0, 0, 499, 500, 500])
        assert [r["accepted"] for r in results] == [
            True,
            True,
            True,
            True,
            False,
            False,
            True,
            False,
        ]
        # Excess grows one request at a time and each excess request would wait 1/rate more.
        assert [r["excess"] for r in results[:4]] == [0, 1, 2, 3]
        assert [r["delay"] for r in results[:4]] == [0, 0.5, 1.0, 1.5]
        # Rejected at t=0 with excess 3: a slot frees after 1/rate = 0.5 s; at 499 ms, 1 ms.
        assert results[4]["retry_after"] == pytest.approx(0.5)
        assert results[5]["retry_after"] == pytest.approx(0.001, abs=1e-6)

    def test_a_rejected_request_costs_nothing(self, gateway):
        results = self.probe(gateway(), rate=1, burst=0, at=[0, 100, 200, 300, 1000])
        assert [r["accepted"] for r in results] == [True, False, False, False, True]

    def test_the_bucket_drains_at_the_rate_down_to_empty(self, gateway):
        results = self.probe(gateway(), rate=10, burst=5, at=[0, 0, 0, 0, 150, 10_000])
        assert results[3]["excess"] == pytest.approx(3)
        assert results[4]["excess"] == pytest.approx(3 - 1.5 + 1)
        assert results[5]["excess"] == 0

    def test_fractional_rates_leak_by_the_millisecond(self, gateway):
        # 30 r/m: one request every 2 s.
        results = self.probe(gateway(), rate=0.5, burst=0, at=[0, 1999, 2000, 3000])
        assert [r["accepted"] for r in results] == [True, False, True, False]
        assert results[1]["retry_after"] == pytest.approx(0.001, abs=1e-6)  # 1 ms short

    def test_checking_without_commit_counts_nothing(self, gateway):
        results = self.probe(gateway(), rate=1, burst=0, at=[0, 0, 0], commit=False)
        assert all(r["accepted"] and r["excess"] == 0 for r in results)


class TestBurstAndRetryAfter:
    def test_the_burst_passes_at_once_and_the_rest_is_429_json_with_retry_after(self, gateway):
        gw = gateway(limits={"classes": {"api": STRICT}})
        codes = statuses(gw, "/api/v1/users/1", 5)
        assert codes == [200, 200, 200, 429, 429]
        refused = requests.get(
            gw.url("/api/v1/users/1"), headers={"X-Request-ID": "limited-1"}, timeout=5
        )
        assert refused.status_code == 429
        assert refused.headers["Content-Type"] == "application/json"
        body = refused.json()
        assert body["code"] == "rate_limited"
        assert body["request_id"] == "limited-1"
        # One request's worth must leak: 60 s at 1 r/m (whole seconds, rounded up).
        assert refused.headers["Retry-After"] == "60"
        lines = gw.access_log_lines(expect=6)
        assert [line["ratelimit"]["decision"] for line in lines] == ["pass"] * 3 + ["reject"] * 3
        assert lines[-1]["ratelimit"] == {"decision": "reject", "limit": "rate", "retry_after": 60}
        assert lines[-1]["upstream_addr"] is None  # the service never saw it

    def test_retry_after_is_when_a_request_fits_again(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/s", "burst": 0, "nodelay": True}}})
        assert statuses(gw, "/api/v1/users/1", 2) == [200, 429]
        retry_after = int(requests.get(gw.url("/api/v1/users/1"), timeout=5).headers["Retry-After"])
        assert retry_after == 1
        time.sleep(retry_after + 0.05)
        assert statuses(gw, "/api/v1/users/1", 1) == [200]

    def test_classes_have_separate_buckets(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}})
        assert statuses(gw, "/api/v1/users/1", 2) == [200, 429]
        assert statuses(gw, "/", 3) == [200, 200, 200]
        assert statuses(gw, "/.well-known/jwks.json", 1) == [429]  # also the api class

    def test_token_and_login_are_stricter_than_the_api(self, gateway):
        """With the shipped limits, a quick run of requests that the API takes in its stride
        gets 429s on /oauth/token and on login."""
        gw = gateway()
        token, login, api = (SHIPPED.classes[name] for name in ("token", "login", "api"))
        assert token.burst < api.burst and token.rate < api.rate
        assert login.burst < api.burst and login.rate < api.rate
        count = 3 * (max(token.burst, login.burst) + 1)
        assert count <= api.burst
        assert 429 in statuses(gw, "/oauth/token", count, method="POST")
        assert 429 in statuses(gw, "/api/web/login", count, method="POST")
        assert 429 not in statuses(gw, "/api/v1/users/1", count)


class TestDelay:
    def test_without_nodelay_excess_requests_wait_for_their_turn(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "4r/s", "burst": 10, "delay": 0}}})
        started = time.monotonic()
        assert statuses(gw, "/api/v1/users/1", 4) == [200] * 4
        elapsed = time.monotonic() - started
        lines = gw.access_log_lines(expect=4)
        assert lines[0]["ratelimit"]["decision"] == "pass"
        delays = [line["ratelimit"].get("delay", 0) for line in lines[1:]]
        assert all(line["ratelimit"]["decision"] == "delay" for line in lines[1:])
        # Sequential requests are paced at the rate: ~0.25 s each after the first.
        assert all(0.15 < delay <= 0.25 for delay in delays), delays
        assert elapsed >= sum(delays) * 0.95

    def test_a_delay_threshold_lets_the_first_excess_requests_through_at_once(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "2r/s", "burst": 8, "delay": 2}}})
        assert statuses(gw, "/api/v1/users/1", 6) == [200] * 6
        decisions = [line["ratelimit"]["decision"] for line in gw.access_log_lines(expect=6)]
        # Excess 0, 1, 2 pass at once whatever the timing; once above 2 requests queue.
        assert decisions[:3] == ["pass"] * 3
        assert decisions[-1] == "delay"

    def test_with_nodelay_the_burst_is_not_slowed_down(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 5, "nodelay": True}}})
        assert statuses(gw, "/api/v1/users/1", 6) == [200] * 6
        assert {line["ratelimit"]["decision"] for line in gw.access_log_lines(expect=6)} == {"pass"}


class TestBearerSubjects:
    def test_two_runners_behind_one_address_have_separate_buckets(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}})
        alice = {"Authorization": "Bearer " + jwt_with({"sub": "41", "aud": "dataservice"})}
        bob = {"Authorization": "Bearer " + jwt_with({"sub": 42, "aud": "dataservice"})}
        assert statuses(gw, "/api/v1/users/41", 2, headers=alice) == [200, 429]
        assert statuses(gw, "/api/v1/users/42", 2, headers=bob) == [200, 429]
        # Without a token the address's own bucket applies.
        assert statuses(gw, "/api/v1/users/1", 2) == [200, 429]

    def test_forged_subjects_cannot_multiply_an_address_allowance(self, gateway):
        gw = gateway(
            limits={
                "classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}},
                "subject": {"address_factor": 3},
            }
        )
        codes = [
            requests.get(
                gw.url("/api/v1/users/1"),
                headers={"Authorization": "Bearer " + jwt_with({"sub": f"forged-{i}"})},
                timeout=5,
            ).status_code
            for i in range(6)
        ]
        assert codes == [200, 200, 200, 429, 429, 429]

    @pytest.mark.parametrize(
        ("path", "route"),
        [
            ("/oauth/token", "token"),
            ("/api/web/login", "login"),
            ("/api/web/signup", "login"),
            ("/strava/webhook", "webhook"),
            ("/api/web/session", "web"),
        ],
    )
    def test_forged_bearers_buy_nothing_where_no_bearer_is_ever_taken(self, gateway, path, route):
        """These routes authenticate with a password, a client secret, a session cookie or
        nothing: a bearer header there can only be forged, so the address alone counts."""
        assert SHIPPED.classes[route].key == "address"
        gw = gateway(
            limits={
                "classes": {route: {"rate": "1r/m", "burst": 1, "nodelay": True}},
                "subject": {"address_factor": 4},
            }
        )
        codes = [
            requests.post(
                gw.url(path),
                headers={"Authorization": "Bearer " + jwt_with({"sub": f"forged-{i}"})},
                timeout=5,
            ).status_code
            for i in range(6)
        ]
        assert codes == [200, 200, 429, 429, 429, 429]

    def test_forged_bearers_buy_nothing_on_the_browsers_import(self, gateway):
        """The upload class keys on the subject for the dataservice's import, which takes
        bearer tokens; runnerly-web's import shares its limits but never takes one, so
        there the address alone counts, as on every route to runnerly-web."""
        assert SHIPPED.classes["upload"].key == "subject"
        gw = gateway(
            limits={
                "classes": {"upload": {"rate": "1r/m", "burst": 1, "nodelay": True}},
                "subject": {"address_factor": 4},
            }
        )
        codes = [
            requests.post(
                gw.url("/api/web/runs/import"),
                headers={"Authorization": "Bearer " + jwt_with({"sub": f"forged-{i}"})},
                timeout=5,
            ).status_code
            for i in range(6)
        ]
        assert codes == [200, 200, 429, 429, 429, 429]

    def test_which_classes_key_on_the_bearers_subject_is_data(self):
        assert {name for name, lim in SHIPPED.classes.items() if lim.key == "subject"} == {
            "api",
            "upload",
        }
        with pytest.raises(SettingsError, match=r"classes.token.key"):
            parse_limits(merge_limits({"classes": {"token": {"key": "bearer"}}}))

    @pytest.mark.parametrize(
        "authorization",
        [
            "Bearer not-a-jwt",
            "Bearer a.b",
            "Basic dXNlcjpwYXNz",
            "Bearer " + jwt_with({"aud": "x"}),
        ],
    )
    def test_a_credential_without_a_subject_counts_against_the_address(
        self, gateway, authorization
    ):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}})
        assert statuses(gw, "/api/v1/users/1", 1) == [200]
        assert statuses(gw, "/api/v1/users/1", 1, headers={"Authorization": authorization}) == [429]

    def test_a_trusted_proxys_clients_have_separate_buckets(self, gateway):
        gw = gateway(
            limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}},
            trusted_proxies=("127.0.0.0/8",),
        )
        first = {"X-Forwarded-For": "198.51.100.1"}
        second = {"X-Forwarded-For": "198.51.100.2"}
        assert statuses(gw, "/api/v1/users/1", 2, headers=first) == [200, 429]
        assert statuses(gw, "/api/v1/users/1", 1, headers=second) == [200]

    def test_an_untrusted_forwarded_for_does_not_buy_a_new_bucket(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}})
        assert statuses(gw, "/api/v1/users/1", 1, headers={"X-Forwarded-For": "198.51.100.1"}) == [
            200
        ]
        assert statuses(gw, "/api/v1/users/1", 1, headers={"X-Forwarded-For": "198.51.100.2"}) == [
            429
        ]


class TestConcurrency:
    def slow_requests(self, gw, count, ms=1000):
        with ThreadPoolExecutor(count) as pool:
            futures = [
                pool.submit(requests.get, gw.url(f"/api/v1/users/1?_sleep={ms}"), timeout=10)
                for _ in range(count)
            ]
            return sorted(f.result().status_code for f in futures)

    def test_requests_in_flight_per_client_are_capped(self, gateway):
        gw = gateway(limits={"concurrency": {"max": 2, "burst": 0}})
        assert self.slow_requests(gw, 3) == [200, 200, 429]
        rejected = [line for line in gw.access_log_lines(expect=3) if line["status"] == 429]
        assert rejected[0]["ratelimit"] == {
            "decision": "reject",
            "limit": "concurrency",
            "retry_after": 1,
        }
        # Their slots are given back: the next ones pass.
        assert self.slow_requests(gw, 2, ms=10) == [200, 200]

    def test_requests_over_the_cap_within_the_burst_wait(self, gateway):
        gw = gateway(limits={"concurrency": {"max": 1, "burst": 1, "unit_delay": 0.3}})
        assert self.slow_requests(gw, 3, ms=800) == [200, 200, 429]
        delayed = [
            line
            for line in gw.access_log_lines(expect=3)
            if line["ratelimit"]["decision"] == "delay"
        ]
        assert len(delayed) == 1
        assert delayed[0]["ratelimit"]["delay"] == pytest.approx(0.3)
        assert delayed[0]["request_time"] >= 0.3

    def test_a_request_that_ends_in_a_gateway_error_gives_its_slot_back(self, gateway):
        gw = gateway(
            limits={"concurrency": {"max": 1, "burst": 0}},
            down=["dataservice"],
            allowed_errors=[UPSTREAM_DOWN],
        )
        # Each 502 jumps to the error location; a leaked slot would turn the next into 429.
        assert statuses(gw, "/api/v1/users/1", 3) == [502, 502, 502]
        assert statuses(gw, "/", 1) == [200]

    def test_a_rate_limited_request_takes_no_slot(self, gateway):
        gw = gateway(
            limits={
                "classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}},
                "concurrency": {"max": 1, "burst": 0},
            }
        )
        assert statuses(gw, "/api/v1/users/1", 3) == [200, 429, 429]
        assert statuses(gw, "/", 1) == [200]


def test_retry_after_is_rounded_up_to_whole_seconds(gateway):
    gw = gateway(limits={"classes": {"api": {"rate": "40r/m", "burst": 0, "nodelay": True}}})
    assert statuses(gw, "/api/v1/users/1", 1) == [200]
    refused = requests.get(gw.url("/api/v1/users/1"), timeout=5)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == math.ceil(60 / 40)
