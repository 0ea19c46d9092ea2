"""What the gateway does to responses and bodies: size limits, compression, caching of
fingerprinted assets, and JSON errors when a service is down or slow."""

from __future__ import annotations

import gzip
import json
import socket
import threading

import pytest
import requests
from conftest import TOO_LARGE, UPSTREAM_DOWN, UPSTREAM_SLOW, merge_limits

from runnerly_common import security_headers
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

    def test_a_service_that_hangs_up_without_answering_is_a_json_502(self, gateway):
        """A service process killed mid-request: the connection closes with no answer."""
        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()

        def hang_up() -> None:
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                conn.recv(65536)
                conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        try:
            port = listener.getsockname()[1]
            gw = gateway(
                web_upstream=(f"127.0.0.1:{port}",),
                allowed_errors=[r"upstream prematurely closed connection"],
            )
            response = requests.get(gw.url("/api/web/runs"), timeout=10)
        finally:
            stop.set()
            thread.join()
            listener.close()
        assert response.status_code == 502
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["code"] == "bad_gateway"
        assert response.json()["request_id"] == response.headers["X-Request-ID"]

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

    @pytest.mark.parametrize(
        ("request_bytes", "status", "code"),
        [
            (b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            (b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "bad_request"),
            (
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40) + b"\r\n\r\n",
                400,
                "bad_request",
            ),
            (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
            (b"GET / HTTP/1.1\r\n\r\n", 400, "bad_request"),
            (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "bad_request"),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
            (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
            (
                b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=" + b"a" * 20_000 + b"\r\n\r\n",
                400,
                "headers_too_large",
            ),
            (
                b"POST /api/web/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400,
                "bad_request",
            ),
            (
                b"POST /api/web/runs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
                501,
                "not_implemented",
            ),
        ],
        ids=[
            "nul-in-path",
            "bad-method",
            "lowercase-method",
            "http2-preface",
            "tls-hello",
            "http-9.9",
            "no-host",
            "bad-host",
            "two-hosts",
            "uri-too-long",
            "cookie-too-large",
            "length-and-chunked",
            "unknown-transfer-encoding",
        ],
    )
    def test_every_refusal_nginx_makes_itself_is_json(self, gateway, request_bytes, status, code):
        gw = gateway()
        raw = self.send_raw(gw, request_bytes)
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert lines[0].startswith(b"HTTP/1.1 %d " % status), raw[:300]
        assert b"Content-Type: application/json" in lines
        if b"Transfer-Encoding: chunked" in lines:  # one chunk, then the last
            body = body.split(b"\r\n")[1]
        document = json.loads(body)
        assert document["code"] == code
        assert document["request_id"] == self.header(lines, b"X-Request-ID")
        [line] = gw.access_log_lines(expect=1)
        assert line["status"] == status
        assert line["upstream_addr"] is None

    def header(self, lines, name):
        [value] = [line.split(b": ", 1)[1] for line in lines if line.startswith(name + b": ")]
        return value.decode()

    def test_an_http_0_9_request_is_refused_with_a_json_body(self, gateway):
        """HTTP/0.9 has no headers: nothing of the request (Host, cookies, what the WAF reads
        in headers) or of the answer (status, Content-Type) can be said, only a body."""
        gw = gateway()
        raw = self.send_raw(gw, b"GET /api/web/runs\r\n")
        document = json.loads(raw)
        assert document["code"] == "bad_request"
        assert "HTTP/1.0" in document["message"]
        [line] = gw.access_log_lines(expect=1)
        assert line["status"] == 400
        assert line["upstream_addr"] is None

    def test_headers_too_large_are_a_json_400(self, gateway):
        gw = gateway()
        response = requests.get(gw.url("/"), headers={"X-Big": "a" * 20_000}, timeout=5)
        assert response.status_code == 400
        assert response.json()["code"] == "headers_too_large"
        assert response.json()["request_id"] == response.headers["X-Request-ID"]


class TestSecurityHeadersOnTheGatewaysOwnAnswers:
    """What nginx answers itself (a refusal, an error page) carries the headers every
    service sends, so no gateway answer is one a browser would sniff or frame."""

    @staticmethod
    def assert_protected(response: requests.Response) -> None:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["Referrer-Policy"] == "no-referrer"
        # The very values the services send (nginx/lua/runnerly/headers.lua copies them).
        assert policy == security_headers.API_POLICY
        assert response.headers["Permissions-Policy"] == security_headers.PERMISSIONS_POLICY
        # Once only: nginx must not add them beside a service's own.
        assert response.raw.headers.getlist("X-Content-Type-Options") == ["nosniff"]

    def test_a_waf_refusal(self, gateway):
        gw = gateway(waf=True)
        refused = requests.get(gw.url("/api/web/runs"), params={"q": "' OR 1=1 --"}, timeout=5)
        assert refused.status_code == 403
        self.assert_protected(refused)

    def test_a_rate_limit_refusal(self, gateway):
        gw = gateway(limits={"classes": {"api": {"rate": "1r/m", "burst": 0, "nodelay": True}}})
        codes = [requests.get(gw.url("/api/v1/users/1"), timeout=5) for _ in range(2)]
        assert [r.status_code for r in codes] == [200, 429]
        self.assert_protected(codes[1])

    def test_a_body_too_large_and_a_service_down(self, gateway):
        gw = gateway(allowed_errors=[TOO_LARGE, UPSTREAM_DOWN], down=["web"])
        limit = LIMITS.classes["token"].body_bytes
        too_large = requests.post(gw.url("/oauth/token"), data=b"a" * (limit + 1), timeout=10)
        assert too_large.status_code == 413
        self.assert_protected(too_large)
        down = requests.get(gw.url("/"), timeout=10)
        assert down.status_code == 502
        self.assert_protected(down)
