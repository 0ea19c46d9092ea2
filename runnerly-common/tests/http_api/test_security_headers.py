"""Every response of a service built with ``create_app`` tells the browser to render
nothing, frame nothing, sniff nothing, leak no referrer and use no powerful feature;
HSTS in production. The docs page runs under a policy that allows exactly its stylesheet."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from runnerly_common import Settings
from runnerly_common.settings import SettingsError


def directives(response: Any) -> dict[str, str]:
    """The Content-Security-Policy as ``{directive: sources}``."""
    value = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in value.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_protected(response: Any) -> None:
    csp = directives(response)
    assert csp.get("default-src") == "'none'", response.headers
    assert csp.get("frame-ancestors") == "'none'"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


class TestEveryResponse:
    @pytest.mark.parametrize(
        ("method", "path", "status"),
        [
            ("get", "/healthz", 200),
            ("get", "/api/v1/openapi.json", 200),
            ("get", "/api/v1/search?q=xy", 200),
            ("get", "/nope", 404),  # routing's own error
            ("get", "/api/v1/nope", 404),
            ("get", "/upload", 405),
            ("get", "/runs", 401),  # no token
            ("get", "/conflict", 409),  # a view's APIError
            ("get", "/boom", 500),  # an unhandled exception
            ("get", "/api/v1/search?q=x", 400),  # the spec's validation
        ],
    )
    def test_json_answers_and_errors_carry_the_headers(
        self, client: Any, method: str, path: str, status: int
    ) -> None:
        response = getattr(client, method)(path)
        assert response.status_code == status
        assert_protected(response)

    def test_a_failing_after_request_hook_still_answers_with_them(self, app: Flask) -> None:
        @app.after_request
        def broken(response: Any) -> Any:
            raise RuntimeError("a hook of the service fails")

        app.testing = False  # answer as in production rather than raise into the test
        response = app.test_client().get("/healthz")
        assert response.status_code == 500
        assert_protected(response)

    def test_a_view_may_set_its_own_policy(self, app: Flask) -> None:
        @app.get("/page")
        def page() -> Any:
            return "<p>hi</p>", 200, {"Content-Security-Policy": "default-src 'self'"}

        response = app.test_client().get("/page")
        assert response.headers["Content-Security-Policy"] == "default-src 'self'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


class TestHSTS:
    def test_it_is_not_sent_outside_production(self, client: Any) -> None:
        assert "Strict-Transport-Security" not in client.get("/healthz").headers

    def test_production_sends_a_year(self, make_app: Callable[..., Flask]) -> None:
        app = make_app(env="production")
        response = app.test_client().get("/nope")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    def test_the_setting_chooses_the_age_or_turns_it_off(
        self, make_app: Callable[..., Flask]
    ) -> None:
        short = make_app(env="test", hsts_seconds=600).test_client().get("/healthz")
        assert short.headers["Strict-Transport-Security"] == "max-age=600"
        off = make_app(env="production", hsts_seconds=0).test_client().get("/healthz")
        assert "Strict-Transport-Security" not in off.headers

    def test_one_variable_sets_it_for_every_service(self) -> None:
        class WebSettings(Settings):
            ENV_PREFIX = "RUNNERLY_WEB_"

        environ = {"RUNNERLY_HSTS_SECONDS": "86400"}
        assert WebSettings.load(environ=environ).hsts_max_age == 86400
        environ["RUNNERLY_WEB_HSTS_SECONDS"] = "60"
        assert WebSettings.load(environ=environ).hsts_max_age == 60

    def test_a_negative_age_is_refused_naming_the_variable(self) -> None:
        with pytest.raises(SettingsError, match="RUNNERLY_HSTS_SECONDS must not be negative"):
            Settings.load(environ={"RUNNERLY_HSTS_SECONDS": "-1"})


class TestDocsPage:
    def test_it_runs_under_a_policy_allowing_only_its_own_stylesheet(self, client: Any) -> None:
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        csp = directives(response)
        assert csp["default-src"] == "'none'"
        assert csp["style-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert "script-src" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    def test_it_has_no_inline_style_or_script_and_its_stylesheet_is_served(
        self, client: Any
    ) -> None:
        page = client.get("/api/v1/docs").get_data(as_text=True)
        assert "<style" not in page
        assert "<script" not in page
        assert not re.search(r"\sstyle=", page)
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
        assert links == ["/api/v1/docs.css"]
        style = client.get(links[0])
        assert style.status_code == 200
        assert style.mimetype == "text/css"
        assert "section.op" in style.get_data(as_text=True)
