"""Strava's rate limits: headers on every answer, 429 past a limit, the next window."""

from __future__ import annotations

from conftest import bearer


def _get(http, tokens):
    return http.get("/api/v3/athlete", headers=bearer(tokens))


class TestHeaders:
    def test_every_api_answer_carries_both_limits_and_usages(self, http, tokens):
        response = _get(http, tokens)
        assert response.headers["X-RateLimit-Limit"] == "200,2000"
        assert response.headers["X-ReadRateLimit-Limit"] == "100,1000"
        assert response.headers["X-ReadRateLimit-Usage"] == "1,1"
        assert _get(http, tokens).headers["X-RateLimit-Usage"] == "2,2"

    def test_errors_carry_them_too_and_count(self, http):
        response = http.get("/api/v3/athlete")
        assert response.status_code == 401 and response.headers["X-RateLimit-Usage"] == "1,1"


class TestLimits:
    def test_past_the_15_minute_limit_requests_get_429_until_the_next_window(
        self, http, tokens, clock
    ):
        http.post("/admin/rate-limits", json={"rate_limit_15min": 3, "rate_window_seconds": 10})
        statuses = [_get(http, tokens).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = _get(http, tokens)
        assert refused.json["message"] == "Rate Limit Exceeded"
        assert refused.json["errors"][0]["code"] == "exceeded"
        assert refused.headers["X-ReadRateLimit-Usage"] == "6,6"
        assert refused.headers["Retry-After"] == "10"
        clock.advance(10)  # windows are aligned: the next one starts at a multiple of 10 s
        again = _get(http, tokens)
        assert again.status_code == 200
        assert again.headers["X-ReadRateLimit-Usage"] == "1,7"  # rejected ones count daily

    def test_windows_align_to_multiples_of_their_length_not_to_the_first_request(
        self, http, tokens, clock
    ):
        http.post("/admin/rate-limits", json={"rate_limit_15min": 1})
        clock.advance(899)
        assert _get(http, tokens).status_code == 200
        assert _get(http, tokens).status_code == 429
        clock.advance(1)  # :15 — a new window one second later
        assert _get(http, tokens).status_code == 200

    def test_the_daily_limit_holds_across_short_windows(self, http, tokens, clock):
        http.post(
            "/admin/rate-limits",
            json={"rate_limit_daily": 4, "rate_window_seconds": 60, "rate_day_seconds": 3600},
        )
        for _ in range(4):
            assert _get(http, tokens).status_code == 200
            clock.advance(60)
        refused = _get(http, tokens)
        until_next_day = 3600 - clock.now % 3600
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(until_next_day)
        clock.advance(until_next_day)
        assert _get(http, tokens).status_code == 200

    def test_the_admin_reads_usage_and_can_clear_it(self, http, tokens):
        _get(http, tokens)
        state = http.get("/admin/rate-limits").json
        assert state["limits"]["rate_limit_15min"] == 100
        assert state["usage"]["X-ReadRateLimit-Usage"] == "1,1"
        cleared = http.post("/admin/rate-limits", json={"reset_usage": True}).json
        assert cleared["usage"]["X-ReadRateLimit-Usage"] == "0,0"

    def test_a_bad_limit_is_a_400_naming_the_field(self, http):
        response = http.post("/admin/rate-limits", json={"rate_window_seconds": 0})
        assert response.status_code == 400 and response.json["field"] == "rate_window_seconds"
        assert http.get("/admin/rate-limits").json["limits"]["rate_window_seconds"] == 900

    def test_oauth_and_subscription_endpoints_are_not_metered(self, http, tokens):
        http.post("/admin/rate-limits", json={"rate_limit_15min": 0})
        assert _get(http, tokens).status_code == 429
        refresh = http.post(
            "/oauth/token",
            data={
                "client_id": 1000,
                "client_secret": "test-client-secret",
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
            },
        )
        assert refresh.status_code == 200 and "X-RateLimit-Usage" not in refresh.headers
