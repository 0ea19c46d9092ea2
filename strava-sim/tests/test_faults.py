"""Injected faults: a share of 5xx, added latency, decided the same way in every worker."""

from __future__ import annotations

import time

from conftest import bearer


def _statuses(http, tokens, count: int) -> list[int]:
    return [http.get("/api/v3/athlete", headers=bearer(tokens)).status_code for _ in range(count)]


class TestErrorRate:
    def test_about_a_fifth_of_requests_fail_with_a_5xx_at_20_percent(self, http, tokens):
        http.post(
            "/admin/rate-limits", json={"rate_limit_15min": 900, "rate_limit_overall_15min": 900}
        )
        http.post("/admin/faults", json={"error_rate": 0.2, "seed": 1})
        statuses = _statuses(http, tokens, 200)
        failures = [s for s in statuses if s != 200]
        assert 0.12 <= len(failures) / len(statuses) <= 0.28
        assert set(failures) <= {500, 502, 503} and len(set(failures)) == 3

    def test_the_same_seed_fails_the_same_requests(self, http, tokens):
        runs = []
        for _ in range(2):
            http.post("/admin/faults", json={"error_rate": 0.3, "seed": 9})
            runs.append(_statuses(http, tokens, 40))
        assert runs[0] == runs[1]

    def test_a_500_keeps_the_rate_headers_a_502_or_503_from_the_edge_has_none(self, http, tokens):
        http.post("/admin/faults", json={"error_rate": 1.0, "seed": 3})
        seen = {}
        for _ in range(30):
            response = http.get("/api/v3/athlete", headers=bearer(tokens))
            seen[response.status_code] = "X-RateLimit-Usage" in response.headers
            assert response.headers["X-Sim-Fault"] == "injected"
        assert seen == {500: True, 502: False, 503: False}
        usage = http.get("/admin/rate-limits").json["usage"]["X-RateLimit-Usage"]
        assert usage == "30,30"  # failed requests still used budget

    def test_clearing_faults_restores_normal_answers(self, http, tokens):
        http.post("/admin/faults", json={"error_rate": 1.0})
        assert http.delete("/admin/faults").status_code == 204
        assert set(_statuses(http, tokens, 10)) == {200}
        assert http.get("/admin/faults").json["error_rate"] == 0.0

    def test_latency_is_added_to_each_request(self, http, tokens):
        http.post("/admin/faults", json={"latency_ms": 150})
        started = time.perf_counter()
        assert _statuses(http, tokens, 2) == [200, 200]
        assert time.perf_counter() - started >= 0.3

    def test_an_error_rate_above_one_is_a_400(self, http):
        response = http.post("/admin/faults", json={"error_rate": 1.5})
        assert response.status_code == 400 and response.json["field"] == "error_rate"


def test_the_faults_show_every_switch_and_clear_together(http):
    armed = {"error_rate": 0.5, "latency_ms": 10, "seed": 4, "drop_events": True,
             "lose_refresh_answers": 2}  # fmt: skip
    assert http.post("/admin/faults", json=armed).json == armed
    http.delete("/admin/faults")
    assert http.get("/admin/faults").json == {
        "error_rate": 0.0,
        "latency_ms": 0,
        "seed": 4,
        "drop_events": False,
        "lose_refresh_answers": 0,
    }
