"""The status server (GATEWAY_STATUS_PORT): /healthz, /readyz naming each service behind the
gateway, and the public port, which answers none of the services' status paths."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from conftest import UPSTREAM_DOWN, UPSTREAM_SLOW
from werkzeug.wrappers import Response

from runnerly_common.testing import LiveServer, free_port

SERVICES = ("web", "dataservice", "tokendealer", "webhook")


@pytest.fixture
def hanging_upstream() -> Iterator[str]:
    """An address that takes connections and never answers (a service stuck in a request)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)  # never accepted: the kernel completes the handshake, nobody reads
        yield f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def unwell_upstream() -> Iterator[str]:
    """A service whose /healthz answers 500."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return Response('{"code": "internal_error"}', status=500)(environ, start_response)

    server = LiveServer(app)
    yield server.url.removeprefix("http://")
    server.stop()


class TestHealthz:
    def test_it_answers_while_nginx_runs_whatever_the_services_do(self, gateway):
        gw = gateway(down=SERVICES, allowed_errors=[UPSTREAM_DOWN])
        response = requests.get(gw.status_url("/healthz"), timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"status": "ok", "service": "gateway"}

    def test_an_unknown_status_address_is_a_json_404(self, gateway):
        gw = gateway()
        response = requests.get(gw.status_url("/api/v1/users/1"), timeout=5)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


class TestReadyz:
    def test_it_is_ready_when_every_service_answers_its_healthz(self, gateway, upstreams):
        gw = gateway(waf=True)
        response = requests.get(gw.status_url("/readyz"), timeout=5)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json()
        assert body["status"] == "ready"
        assert body["service"] == "gateway"
        assert set(body["checks"]) == {*SERVICES, "limits", "waf"}
        for name, check in body["checks"].items():
            assert check["ok"] is True, name
            assert check["ms"] >= 0
            assert "error" not in check

    def test_without_the_waf_it_checks_the_limits_only(self, gateway):
        gw = gateway(waf=False)
        checks = requests.get(gw.status_url("/readyz"), timeout=5).json()["checks"]
        assert set(checks) == {*SERVICES, "limits"}

    def test_a_service_that_is_down_is_named_and_makes_it_unavailable(self, gateway):
        gw = gateway(down=["dataservice"], allowed_errors=[UPSTREAM_DOWN])
        response = requests.get(gw.status_url("/readyz"), timeout=5)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["dataservice"]["ok"] is False
        assert "cannot connect" in body["checks"]["dataservice"]["error"]
        assert [name for name, check in body["checks"].items() if not check["ok"]] == [
            "dataservice"
        ]

    def test_a_hung_service_is_named_within_two_seconds(self, gateway, hanging_upstream):
        gw = gateway(
            webhook_upstream=(hanging_upstream,),
            tokendealer_upstream=(hanging_upstream,),
            allowed_errors=[UPSTREAM_SLOW],
        )
        started = time.monotonic()
        response = requests.get(gw.status_url("/readyz"), timeout=10)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        checks = response.json()["checks"]
        for name in ("webhook", "tokendealer"):
            assert checks[name]["ok"] is False
            assert checks[name]["error"] == "no answer within the probe's timeout"
            assert 900 <= checks[name]["ms"] < 2000
        assert checks["web"]["ok"] is True
        # Both probes wait at once: the answer takes one timeout, not the sum of them.
        assert elapsed < 2

    def test_one_answering_server_of_several_is_enough(self, gateway, upstreams):
        web = upstreams["web"].url.removeprefix("http://")
        gw = gateway(web_upstream=(f"127.0.0.1:{free_port()}", web), allowed_errors=[UPSTREAM_DOWN])
        for _ in range(3):  # round robin: whichever server a probe starts with
            response = requests.get(gw.status_url("/readyz"), timeout=5)
            assert response.status_code == 200
            assert response.json()["checks"]["web"]["ok"] is True

    def test_a_service_whose_healthz_fails_is_not_ready(self, gateway, unwell_upstream):
        gw = gateway(tokendealer_upstream=(unwell_upstream,))
        response = requests.get(gw.status_url("/readyz"), timeout=5)
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["tokendealer"]["ok"] is False
        assert checks["tokendealer"]["error"] == "/healthz answered 500"
        assert checks["dataservice"]["ok"] is True


class TestThePublicPort:
    @pytest.mark.parametrize("path", ["/metrics", "/readyz", "/healthz"])
    def test_the_services_status_paths_are_not_found(self, gateway, path):
        gw = gateway()
        response = requests.get(gw.url(path), timeout=5)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert body["code"] == "not_found"
        assert body["request_id"] == response.headers["X-Request-ID"]
        [line] = gw.access_log_lines(expect=1)
        assert line["upstream_addr"] is None  # runnerly-web never saw it
        assert line["route"] == "gateway"

    def test_a_query_or_another_method_does_not_reach_them_either(self, gateway):
        gw = gateway()
        assert requests.get(gw.url("/metrics?format=text"), timeout=5).status_code == 404
        assert requests.post(gw.url("/readyz"), timeout=5).status_code == 404
        assert requests.get(gw.url("//metrics"), timeout=5).status_code == 404
        assert requests.get(gw.url("/%6detrics"), timeout=5).status_code == 404

    def test_the_gateways_own_liveness_probe_stays(self, gateway):
        gw = gateway()
        response = requests.get(gw.url("/_gateway/healthz"), timeout=5)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_paths_that_only_start_like_them_still_reach_the_web_app(self, gateway):
        gw = gateway()
        for path in ("/metrics-dashboard", "/healthz/x"):
            assert requests.get(gw.url(path), timeout=5).json()["service"] == "web", path
