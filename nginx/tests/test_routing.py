"""Each public address reaches the right service, with its path, query and body intact."""

from __future__ import annotations

import pytest
import requests

UPLOAD = "/api/web/runs/archive/uploads/Ab_9-x"  # a chunked export's upload (decision 60)
ROUTES = [
    # (method, path sent to the gateway, upstream, path the upstream sees, route class)
    ("GET", "/", "web", "/", "web"),
    ("GET", "/dashboard/2026/11", "web", "/dashboard/2026/11", "web"),
    ("GET", "/api/web/me", "web", "/api/web/me", "web"),
    ("POST", "/api/web/login", "web", "/api/web/login", "login"),
    ("POST", "/api/web/signup", "web", "/api/web/signup", "login"),
    ("GET", "/api/v1/users/1/runs", "dataservice", "/api/v1/users/1/runs", "api"),
    ("GET", "/api/v1/openapi.json", "dataservice", "/api/v1/openapi.json", "api"),
    ("POST", "/api/v1/users/7/runs/import", "dataservice", "/api/v1/users/7/runs/import", "upload"),
    ("POST", "/api/web/runs/archive", "web", "/api/web/runs/archive", "upload"),
    # Its progress, polled: the web class, not the upload class's POST-only, 1 r/s bucket.
    ("GET", "/api/web/runs/archive/latest", "web", "/api/web/runs/archive/latest", "web"),
    # A chunked export (decision 60): each part in the upload class, the upload itself not.
    ("POST", "/api/web/runs/archive/uploads", "web", "/api/web/runs/archive/uploads", "web"),
    (
        "GET",
        "/api/web/runs/archive/uploads/current",
        "web",
        "/api/web/runs/archive/uploads/current",
        "web",
    ),
    ("GET", f"{UPLOAD}", "web", f"{UPLOAD}", "web"),
    ("DELETE", f"{UPLOAD}", "web", f"{UPLOAD}", "web"),
    ("PUT", f"{UPLOAD}/chunks", "web", f"{UPLOAD}/chunks", "upload"),
    ("POST", "/oauth/token", "tokendealer", "/oauth/token", "token"),
    ("GET", "/.well-known/jwks.json", "tokendealer", "/.well-known/jwks.json", "api"),
    ("POST", "/strava/webhook", "webhook", "/webhook", "webhook"),
    ("GET", "/strava/webhook", "webhook", "/webhook", "webhook"),
]


class TestRoutes:
    @pytest.mark.parametrize(("method", "path", "service", "upstream_path", "route"), ROUTES)
    def test_it_sends_each_address_to_its_service(
        self, gateway, method, path, service, upstream_path, route
    ):
        gw = gateway()
        response = requests.request(
            method, gw.url(path + "?page=2&x=a%20b"), data=b"hello", timeout=5
        )
        assert response.status_code == 200
        echoed = response.json()
        assert echoed["service"] == service
        assert echoed["method"] == method
        assert echoed["path"] == upstream_path
        assert echoed["query"] == "page=2&x=a%20b"
        if method == "POST":
            assert echoed["body"] == "hello"
        assert gw.access_log_lines(expect=1)[0]["route"] == route

    def test_the_webhook_handshake_reaches_the_intake_with_its_parameters(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/strava/webhook"),
            params={
                "hub.mode": "subscribe",
                "hub.challenge": "15f7d1a91c1f40f8",
                "hub.verify_token": "t",
            },
            timeout=5,
        )
        echoed = response.json()
        assert (echoed["service"], echoed["path"]) == ("webhook", "/webhook")
        assert "hub.challenge=15f7d1a91c1f40f8" in echoed["query"]

    def test_a_path_that_only_starts_like_a_route_goes_to_the_web_app(self, gateway):
        gw = gateway()
        for path in ("/api/v1x", "/oauth/token/extra", "/strava/webhooks", "/api/web"):
            assert requests.get(gw.url(path), timeout=5).json()["service"] == "web", path


class TestForwardedHeaders:
    def test_the_service_learns_the_client_host_and_scheme(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1"), headers={"Host": "runnerly.test"}, timeout=5
        )
        headers = response.json()["headers"]
        assert headers["Host"] == "runnerly.test"
        assert headers["X-Real-Ip"] == "127.0.0.1"
        assert headers["X-Forwarded-For"] == "127.0.0.1"
        assert headers["X-Forwarded-Proto"] == "http"

    def test_a_forwarded_for_from_an_untrusted_client_is_not_believed(self, gateway):
        gw = gateway()
        response = requests.get(
            gw.url("/api/v1/users/1"), headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5
        )
        headers = response.json()["headers"]
        assert headers["X-Real-Ip"] == "127.0.0.1"
        # Appended to, as proxies do, so the service sees the whole chain.
        assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
        assert gw.access_log_lines(expect=1)[0]["client"] == "127.0.0.1"

    def test_a_trusted_proxy_names_the_client(self, gateway):
        gw = gateway(trusted_proxies=("127.0.0.1/32",))
        response = requests.get(
            gw.url("/api/v1/users/1"), headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5
        )
        assert response.json()["headers"]["X-Real-Ip"] == "203.0.113.9"
        assert gw.access_log_lines(expect=1)[0]["client"] == "203.0.113.9"
