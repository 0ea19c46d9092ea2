"""The status server's /metrics: what the public server answered, counted exactly across
nginx workers, as Prometheus reads it (its own parser checks the format)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from conftest import TOO_LARGE
from prometheus_client.parser import text_string_to_metric_families

BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
ATTACK = {"q": "1' UNION SELECT password FROM users--"}
STRICT = {"rate": "1r/m", "burst": 1, "nodelay": True}  # two requests pass, then 429


class Scrape:
    """One /metrics answer, parsed by prometheus_client."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, sample_name: str, **labels: str) -> float:
        """The sample with exactly these labels (0 when absent, as Prometheus would treat a
        series that has not started yet)."""
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == sample_name and sample.labels == labels:
                    return sample.value
        return 0

    def requests(self, route: str, status: int) -> float:
        return self.value("runnerly_gateway_requests_total", route=route, status=str(status))

    def buckets(self, family: str, route: str) -> list[float]:
        return [self.value(f"{family}_bucket", route=route, le=le) for le in BUCKETS]

    def total_requests(self, exclude_route: str = "gateway") -> float:
        family = self.families["runnerly_gateway_requests"]
        return sum(
            s.value
            for s in family.samples
            if s.name.endswith("_total") and s.labels["route"] != exclude_route
        )


def scrape(gw: Any, until: Callable[[Scrape], bool] = lambda _: True, timeout: float = 3) -> Scrape:
    """/metrics, polled until ``until`` holds: the log phase counts a request just after its
    response has gone, so the client can be a little ahead of the numbers."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(gw.status_url("/metrics"), timeout=5)
        assert response.status_code == 200
        result = Scrape(response.text)
        if until(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def get(gw: Any, path: str, **kwargs: Any) -> int:
    # A new connection each time, so that both workers take their share.
    return requests.get(gw.url(path), timeout=10, **kwargs).status_code


class TestRequestCounts:
    def test_every_request_is_counted_once_across_two_workers(self, gateway):
        gw = gateway(workers=2)
        with ThreadPoolExecutor(8) as pool:
            ok = list(pool.map(lambda _: get(gw, "/api/v1/users/1/runs"), range(60)))
            missing = list(pool.map(lambda _: get(gw, "/?_status=404"), range(20)))
        assert set(ok) == {200} and set(missing) == {404}

        result = scrape(gw, until=lambda s: s.total_requests() >= 80)

        assert result.requests("api", 200) == 60
        assert result.requests("web", 404) == 20
        assert result.total_requests() == 80

    def test_refusals_are_counted_by_status_and_reason(self, gateway):
        gw = gateway(waf=True, limits={"classes": {"token": STRICT}})
        assert get(gw, "/api/v1/runs", params=ATTACK) == 403
        assert [requests.post(gw.url("/oauth/token"), timeout=5).status_code for _ in range(4)] == [
            200,
            200,
            429,
            429,
        ]
        assert requests.put(gw.url("/oauth/token"), timeout=5).status_code == 405

        result = scrape(gw, until=lambda s: s.total_requests() >= 6)

        assert result.requests("api", 403) == 1
        assert result.requests("token", 200) == 2
        assert result.requests("token", 429) == 2
        assert result.requests("token", 405) == 1
        rejections = "runnerly_gateway_rejections_total"
        assert result.value(rejections, reason="waf") == 1
        assert result.value(rejections, reason="ratelimit") == 2
        assert result.value(rejections, reason="method") == 1

    def test_a_body_nginx_refuses_is_a_rejection_and_a_service_error_is_not(self, gateway):
        gw = gateway(limits={"classes": {"login": {"body": "1k"}}}, allowed_errors=[TOO_LARGE])
        too_large = requests.post(gw.url("/api/web/login"), data=b"x" * 4096, timeout=5)
        assert too_large.status_code == 413
        assert get(gw, "/api/web/me?_status=500") == 500

        result = scrape(gw, until=lambda s: s.total_requests() >= 2)

        rejections = "runnerly_gateway_rejections_total"
        assert result.value(rejections, reason="body_too_large") == 1
        assert result.requests("web", 500) == 1
        assert sum(s.value for s in result.families["runnerly_gateway_rejections"].samples) == 1

    def test_a_request_nginx_cannot_read_is_counted_without_a_route(self, gateway):
        gw = gateway()
        with socket.create_connection(("127.0.0.1", gw.settings.port), timeout=5) as conn:
            conn.sendall(b"NONSENSE\r\n\r\n")
            assert conn.recv(100).startswith(b"HTTP/1.1 400")

        result = scrape(gw, until=lambda s: s.requests("none", 400) >= 1)

        assert result.requests("none", 400) == 1
        assert result.value("runnerly_gateway_rejections_total", reason="bad_request") == 1

    def test_the_gateways_own_paths_are_counted_apart_from_the_services(self, gateway):
        gw = gateway()
        assert get(gw, "/metrics") == 404

        result = scrape(gw, until=lambda s: s.requests("gateway", 404) >= 1)

        assert result.requests("gateway", 404) == 1
        assert result.requests("web", 404) == 0


class TestHistograms:
    def test_buckets_are_cumulative_and_agree_with_the_count(self, gateway):
        gw = gateway(workers=2)
        for _ in range(3):
            assert get(gw, "/api/v1/users/1") == 200
        for _ in range(2):
            assert get(gw, "/api/v1/users/1?_sleep=150") == 200

        result = scrape(gw, until=lambda s: s.requests("api", 200) >= 5)

        for family in (
            "runnerly_gateway_request_duration_seconds",
            "runnerly_gateway_upstream_duration_seconds",
        ):
            buckets = result.buckets(family, "api")
            assert buckets == sorted(buckets), family  # cumulative: never decreasing
            assert buckets[-1] == result.value(f"{family}_count", route="api") == 5
            # The two slow answers took at least 150 ms: above the 0.1 s bucket.
            assert result.value(f"{family}_bucket", route="api", le="0.1") <= 3
            assert result.value(f"{family}_sum", route="api") >= 0.3

    def test_every_bucket_is_listed_from_5_ms_to_10_s(self, gateway):
        gw = gateway()
        assert get(gw, "/") == 200

        result = scrape(gw, until=lambda s: s.requests("web", 200) >= 1)

        family = result.families["runnerly_gateway_request_duration_seconds"]
        assert family.type == "histogram"
        les = [
            s.labels["le"]
            for s in family.samples
            if s.labels.get("route") == "web" and "le" in s.labels
        ]
        assert les == BUCKETS

    def test_a_request_refused_before_the_upstream_has_no_upstream_time(self, gateway):
        gw = gateway(waf=True)
        assert get(gw, "/api/v1/runs", params=ATTACK) == 403
        assert get(gw, "/api/v1/runs") == 200

        result = scrape(gw, until=lambda s: s.total_requests() >= 2)

        assert result.value("runnerly_gateway_request_duration_seconds_count", route="api") == 2
        assert result.value("runnerly_gateway_upstream_duration_seconds_count", route="api") == 1


class TestExposition:
    def test_it_is_prometheus_text_with_help_and_type_for_each_family(self, gateway):
        gw = gateway()
        response = requests.get(gw.status_url("/metrics"), timeout=5)
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        families = Scrape(response.text).families
        assert families["runnerly_gateway_requests"].type == "counter"
        assert families["runnerly_gateway_rejections"].type == "counter"
        assert families["runnerly_gateway_upstream_duration_seconds"].type == "histogram"
        assert families["runnerly_gateway_connections"].type == "gauge"

    def test_it_shows_nginxs_connections(self, gateway):
        gw = gateway()
        result = scrape(gw)
        # This scrape's own connection is active and being written to.
        assert result.value("runnerly_gateway_connections", state="active") >= 1
        assert result.value("runnerly_gateway_connections", state="writing") >= 1

    def test_scrapes_and_probes_of_the_status_server_are_not_counted(self, gateway):
        gw = gateway()
        for _ in range(3):
            requests.get(gw.status_url("/metrics"), timeout=5)
            requests.get(gw.status_url("/readyz"), timeout=5)
            requests.get(gw.status_url("/healthz"), timeout=5)
        assert scrape(gw).total_requests() == 0


class TestAFullDictionary:
    def test_requests_go_on_and_nginx_warns_once(self, gateway):
        # The smallest dict nginx accepts holds a few dozen series: one per status fills it.
        gw = gateway(
            metrics_dict="32k", limits={"classes": {"web": {"rate": "1000r/s", "burst": 1000}}}
        )
        statuses = [status for status in range(200, 600) if status not in (204, 304)]
        answered = [get(gw, f"/?_status={status}") for status in statuses]
        assert answered == statuses

        result = scrape(gw)
        counted = result.total_requests()
        assert 0 < counted < len(statuses)  # the first series made it; the rest were dropped
        warnings = [
            line for line in gw.error_log_text().splitlines() if "metrics: cannot record" in line
        ]
        assert len(warnings) == 1
        assert "[warn]" in warnings[0]
        assert "GATEWAY_METRICS_DICT" in warnings[0]
