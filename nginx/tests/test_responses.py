"""What the gateway does to responses and bodies: size limits, compression, caching of
fingerprinted assets, and JSON errors when a service is down or slow."""

from __future__ import annotations

import gzip
import json
import socket

import pytest
import requests
from conftest import TOO_LARGE, UPSTREAM_DOWN, UPSTREAM_SLOW, merge_limits

from runnerly_gateway.limits import parse_limits

LIMITS = parse_limits(merge_limits(None))
IMMUTABLE = "public, max-age=31536000, immutable"


class TestBodyLimits:
    @pytest.mark.parametrize(
        ("path", "route"),
        [
            ("/oauth/token", "token"),
            ("/api/web/login", "login"),
            ("/api/v1/users/1/runs/batch", "api"),
            ("/api/v1/users/1/runs/import", "upload"),
            ("/strava/webhook", "webhook"),
            ("/api/web/profile", "web"),
        ],
    )
    def test_a_body_up_to_the_route_limit_passes_and_one_byte_more_is_413(
        self, gateway, path, route
    ):
        gw = gateway(allowed_errors=[TOO_LARGE])
        limit = LIMITS.classes[route].body_bytes
        accepted = requests.post(gw.url(path), data=b"a" * limit, timeout=30)
        assert accepted.status_code == 200
        assert accepted.json()["body_length"] == limit
        refused = requests.post(gw.url(path), data=b"a" * (limit + 1), timeout=30)
        assert refused.status_code == 413
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.json()["code"] == "payload_too_large"
        assert refused.json()["request_id"] == refused.headers["X-Request-ID"]

    def test_file_imports_take_bigger_bodies_than_the_token_endpoint(self):
        assert LIMITS.classes["upload"].body_bytes > 100 * LIMITS.classes["token"].body_bytes

    def test_a_chunked_body_over_the_limit_is_413(self, gateway):
        gw = gateway(allowed_errors=[TOO_LARGE])
        limit = LIMITS.classes["token"].body_bytes

        def chunks():
            for _ in range(4):
                yield b"a" * (limit // 2)

        response = requests.post(gw.url("/oauth/token"), data=chunks(), timeout=10)
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"


class TestCompression:
    def test_json_is_gzipped_for_clients_that_accept_it(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1/runs?_size=20000"),
            headers={"Accept-Encoding": "gzip"},
            stream=True,
            timeout=5,
        )
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        raw = response.raw.read()
        assert len(raw) < 20000 / 5
        assert json.loads(gzip.decompress(raw))["service"] == "dataservice"

    def test_assets_are_gzipped(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/assets/index-Bx81kQ2z.css?_size=5000&_type=text/css"),
            headers={"Accept-Encoding": "gzip"},
            timeout=5,
        )
        assert response.headers["Content-Encoding"] == "gzip"

    def test_nothing_is_gzipped_for_clients_that_do_not_accept_it(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1/runs?_size=20000"),
            headers={"Accept-Encoding": "identity"},
            timeout=5,
        )
        assert "Content-Encoding" not in response.headers
        assert response.json()["service"] == "dataservice"

    def test_tiny_answers_are_not_gzipped(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/?_type=application/json"), headers={"Accept-Encoding": "gzip"}, timeout=5
        )
        assert "Content-Encoding" not in response.headers


class TestAssetCaching:
    @pytest.mark.parametrize(
        "path",
        [
            "/assets/index-Bx81kQ2z.js",
            "/assets/vendor-3f9a1c2b7d.css",
            "/assets/runner-DZ_0x9aQ.svg",
        ],
    )
    def test_fingerprinted_assets_are_cached_for_good(self, gateway, path):
        gw = gateway()
        response = requests.get(gw.url(path + "?_cache=no-cache"), timeout=5)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE

    @pytest.mark.parametrize(
        "path", ["/assets/logo.svg", "/assets/index.js", "/dashboard", "/api/web/me"]
    )
    def test_other_answers_keep_the_apps_cache_control(self, gateway, path):
        gw = gateway()
        response = requests.get(gw.url(path + "?_cache=no-cache"), timeout=5)
        assert response.headers["Cache-Control"] == "no-cache"

    def test_a_missing_fingerprinted_asset_is_not_cached_for_good(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/assets/index-Bx81kQ2z.js?_status=404&_cache=no-store"), timeout=5
        )
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"


class TestUpstreamErrors:
    @pytest.mark.parametrize(
        ("path", "service"),
        [
            ("/", "web"),
            ("/api/v1/users/1", "dataservice"),
            ("/oauth/token", "tokendealer"),
            ("/strava/webhook", "webhook"),
        ],
    )
    def test_a_service_that_is_down_is_a_json_502(self, gateway, path, service):
        gw = gateway(down=[service], allowed_errors=[UPSTREAM_DOWN])
        response = requests.get(gw.url(path), timeout=10)
        assert response.status_code == 502
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert body["code"] == "bad_gateway"
        assert body["request_id"] == response.headers["X-Request-ID"]
        line = gw.access_log_lines(expect=1)[0]
        assert line["status"] == 502
        assert line["request_id"] == body["request_id"]

    def test_a_service_too_slow_to_answer_is_a_json_504(self, gateway):
        gw = gateway(
            limits={"classes": {"api": {"read_timeout": 1}}},
            allowed_errors=[UPSTREAM_SLOW],
        )
        response = requests.get(gw.url("/api/v1/users/1?_sleep=2500"), timeout=10)
        assert response.status_code == 504
        assert response.json()["code"] == "gateway_timeout"
        assert response.elapsed.total_seconds() < 2.4

    def test_a_service_answering_an_error_is_passed_through(self, gateway):
        gw = gateway()
        response = requests.get(gw.url("/api/v1/users/99?_status=404"), timeout=5)
        assert response.status_code == 404
        assert response.json()["service"] == "dataservice"


class TestMalformedRequests:
    def send_raw(self, gw, data: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", gw.settings.port), timeout=5) as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def test_a_request_nginx_cannot_parse_is_a_json_400(self, gateway):
        gw = gateway()
        raw = self.send_raw(gw, b"GARBAGE / HTTP/1.1 extra\r\nHost: x\r\n\r\n")
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400")
        assert b"Content-Type: application/json" in head
        assert json.loads(body)["code"] == "bad_request"
        [line] = gw.access_log_lines(expect=1)
        assert line["status"] == 400

    def test_headers_too_large_are_a_json_400(self, gateway):
        gw = gateway()
        response = requests.get(gw.url("/"), headers={"X-Big": "a" * 20_000}, timeout=5)
        assert response.status_code == 400
        assert response.json()["code"] == "headers_too_large"
        assert response.json()["request_id"] == response.headers["X-Request-ID"]
