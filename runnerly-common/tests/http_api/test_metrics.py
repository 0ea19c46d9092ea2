"""``/metrics``: requests counted by route template and status, with latency histograms.

The test client runs in one process, so the values live in its own registry (the same one
for every app the tests build): each test reads the change its requests made.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common import Settings, create_app
from runnerly_common.metrics import BUCKETS

SERVICE = "itemservice"


def scrape(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def requests_of(client: Any) -> Callable[..., float]:
    """How many requests the test made, per the counter: ``requests_of(route, status)``."""
    before = scrape(client)

    def count(route: str, status: int, method: str = "GET", service: str = SERVICE) -> float:
        labels = {"service": service, "route": route, "method": method, "status": str(status)}
        name = "runnerly_http_requests_total"
        return value(scrape(client), name, **labels) - value(before, name, **labels)

    return count


class TestRequestCounts:
    def test_a_route_is_counted_by_its_template_not_its_path(
        self, client: Any, requests_of: Callable[..., float], bearer: Any, issue: Any
    ) -> None:
        headers = bearer(issue(scope="runs:read"))
        for item_id in (1, 2, 3):
            assert client.get(f"/api/v1/items/{item_id}", headers=headers).status_code == 200
        assert requests_of("/api/v1/items/<item_id>", 200) == 3
        assert requests_of("/api/v1/items/1", 200) == 0

    def test_an_unknown_path_is_counted_as_unmatched_with_its_404(
        self, client: Any, requests_of: Callable[..., float]
    ) -> None:
        assert client.get("/no/such/page/42").status_code == 404
        assert client.get("/another/unknown").status_code == 404
        assert requests_of("unmatched", 404) == 2

    def test_an_exception_in_a_view_is_counted_as_the_500_it_answered(
        self, client: Any, requests_of: Callable[..., float]
    ) -> None:
        response = client.get("/boom")
        assert response.status_code == 500
        assert response.get_json()["code"] == "internal_error"
        assert requests_of("/boom", 500) == 1

    def test_errors_answered_by_the_json_handlers_keep_their_status(
        self, client: Any, requests_of: Callable[..., float]
    ) -> None:
        assert client.get("/runs").status_code == 401  # no bearer token
        assert client.get("/conflict").status_code == 409  # an APIError
        assert client.get("/api/v1/search").status_code == 400  # fails validation
        assert requests_of("/runs", 401) == 1
        assert requests_of("/conflict", 409) == 1
        assert requests_of("/api/v1/search", 400) == 1

    def test_the_method_is_a_label_and_an_invented_one_is_other(
        self, client: Any, requests_of: Callable[..., float]
    ) -> None:
        assert client.post("/upload", data=b"12345").status_code == 200
        client.open("/upload", method="BREW")
        assert requests_of("/upload", 200, method="POST") == 1
        assert requests_of("unmatched", 405, method="other") == 1

    def test_scrapes_of_metrics_are_not_counted(
        self, client: Any, requests_of: Callable[..., float]
    ) -> None:
        for _ in range(3):
            client.get("/metrics")
        assert requests_of("/metrics", 200) == 0

    def test_services_are_told_apart_by_their_label(self) -> None:
        other = create_app(
            "otherservice", Settings.load(environ={}, env="test"), configure_logs=False
        )
        other.test_client().get("/healthz")
        samples = scrape(other.test_client())
        labels = {"service": "otherservice", "route": "/healthz", "method": "GET", "status": "200"}
        assert value(samples, "runnerly_http_requests_total", **labels) >= 1


class TestLatencyHistogram:
    def test_each_request_lands_in_buckets_from_5_ms_to_10_s(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        labels = {"service": SERVICE, "route": "/upload", "method": "POST"}
        before = scrape(client)
        client.post("/upload", data=b"x")
        after = scrape(client)
        name = "runnerly_http_request_duration_seconds"
        bounds = [str(bound) for bound in BUCKETS] + ["+Inf"]
        assert BUCKETS[0] == 0.005 and BUCKETS[-1] == 10.0
        for bound in bounds:
            key = (f"{name}_bucket", frozenset({**labels, "le": bound}.items()))
            assert key in after, f"no bucket le={bound}"
        assert (
            value(after, f"{name}_count", **labels) - value(before, f"{name}_count", **labels) == 1
        )
        inf = {**labels, "le": "+Inf"}
        assert value(after, f"{name}_bucket", **inf) == value(after, f"{name}_count", **labels)
        assert value(after, f"{name}_sum", **labels) > value(before, f"{name}_sum", **labels)


class TestMetricsEndpoint:
    def test_it_answers_in_prometheus_text_format(self, client: Any) -> None:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        text = response.get_data(as_text=True)
        assert "# TYPE runnerly_http_requests_total counter" in text
        assert "# TYPE runnerly_http_request_duration_seconds histogram" in text

    def test_it_names_the_service_and_the_version_it_runs(self, client: Any) -> None:
        samples = scrape(client)
        builds = [
            dict(labels)
            for (name, labels) in samples
            if name == "runnerly_build_info" and dict(labels)["service"] == SERVICE
        ]
        # The test app's settings are the toolkit's own: its version is the package's.
        assert builds == [{"service": SERVICE, "version": metadata.version("runnerly-common")}]

    def test_it_reports_the_process(self, client: Any) -> None:
        samples = scrape(client)
        assert value(samples, "process_resident_memory_bytes") > 0
        assert ("python_info", frozenset()) not in samples  # python_info has labels
        assert any(name == "python_info" for name, _ in samples)

    def test_only_get_is_allowed(self, client: Any) -> None:
        response = client.post("/metrics")
        assert response.status_code == 405
        assert response.get_json()["code"] == "method_not_allowed"

    def test_every_app_gets_it(self) -> None:
        app: Flask = create_app("bare", Settings.load(environ={}, env="test"), configure_logs=False)
        assert app.test_client().get("/metrics").status_code == 200
