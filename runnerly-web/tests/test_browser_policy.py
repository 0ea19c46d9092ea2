"""The browser's own protections: the dashboard's page runs under a Content-Security-Policy
with no inline script or style, JSON answers (errors included) under the toolkit's
``default-src 'none'``, and violations reported to ``POST /api/web/csp-report`` are logged
and counted, whoever posts them, without ever a 5xx."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from runnerly_common.testing import skip_or_fail
from runnerly_web.app import create_app
from runnerly_web.settings import WebSettings

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
REPORT = "/api/web/csp-report"
VIOLATION = {
    "document-uri": "https://runnerly.example/runs/2026/11",
    "referrer": "",
    "violated-directive": "img-src",
    "effective-directive": "img-src",
    "original-policy": "default-src 'self'; img-src 'self' data:",
    "disposition": "enforce",
    "blocked-uri": "https://evil.example/pixel.gif",
    "status-code": 200,
}


def directives(response: Any) -> dict[str, list[str]]:
    value = response.headers.get("Content-Security-Policy", "")
    parts = (part.split() for part in value.split(";") if part.strip())
    return {p[0]: p[1:] for p in parts}


def _app(tmp_path: Path, dist: Path, **over: Any) -> Flask:
    settings = WebSettings.load(
        environ={"RUNNERLY_ENV": "test"},
        secret_key="k" * 32,
        frontend_dist=str(dist),
        throttle_db=str(tmp_path / "t.db"),
        **over,
    )
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True
    return app


@pytest.fixture
def built(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/index-3f2a9c1d.js"></script>'
    )
    (dist / "assets" / "index-3f2a9c1d.js").write_text("console.log('runnerly')")
    return dist


@pytest.fixture
def client(tmp_path: Path, built: Path) -> FlaskClient:
    return _app(tmp_path, built).test_client()


class TestDashboardPage:
    @pytest.mark.parametrize("path", ["/", "/runs/2026/11", "/login"])
    def test_it_runs_under_a_policy_without_inline_script_or_style(
        self, client: FlaskClient, path: str
    ) -> None:
        response = client.get(path)
        assert response.status_code == 200
        csp = directives(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["default-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["connect-src"] == ["'self'"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]

    def test_it_carries_the_other_protections(self, client: FlaskClient) -> None:
        response = client.get("/")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # not in production

    def test_violations_are_reported_to_the_report_endpoint(self, client: FlaskClient) -> None:
        response = client.get("/")
        csp = directives(response)
        assert csp["report-uri"] == [REPORT]

    def test_the_map_may_load_its_tiles_and_leaflets_inline_icons(
        self, tmp_path: Path, built: Path
    ) -> None:
        default = directives(_app(tmp_path, built).test_client().get("/"))
        assert default["img-src"] == ["'self'", "data:", "https://*.tile.openstreetmap.org"]
        own = _app(tmp_path, built, map_tile_sources=("https://tiles.example.org",))
        assert directives(own.test_client().get("/"))["img-src"][-1] == "https://tiles.example.org"

    def test_the_page_shown_without_a_build_has_no_inline_style(self, tmp_path: Path) -> None:
        response = _app(tmp_path, tmp_path / "nothing").test_client().get("/")
        assert b"has not been built" in response.data
        assert directives(response)["style-src"] == ["'self'"]
        assert not re.search(rb"<style|\sstyle=|<script", response.data)


class TestTheBuildRunsUnderIt:
    """What the policy forbids must not be in what Vite builds."""

    @pytest.mark.parametrize(
        "page", [FRONTEND / "index.html", FRONTEND / "dist" / "index.html"], ids=["source", "dist"]
    )
    def test_the_page_has_no_inline_script_or_style(self, page: Path) -> None:
        if not page.is_file():
            # make test builds it first: in CI a missing build is a failure, not a skip.
            skip_or_fail(f"{page} is not built (make frontend)")
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
            assert not tag.strip(), f"an inline script in {page}"
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert scripts and all("src=" in attributes for attributes in scripts)
        assert "<style" not in html
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html), "an inline event handler"


class TestJSONAnswers:
    @pytest.mark.parametrize(
        ("method", "path", "status"),
        [
            ("get", "/api/web/session", 200),
            ("get", "/api/web/no-such-thing", 404),
            ("get", "/assets/index-00000000.js", 404),
            ("delete", "/api/web/session", 405),
            ("post", "/api/web/login", 403),  # no CSRF token
            ("get", "/api/web/runs/2026/11", 401),  # no session
            ("get", "/api/web/runs/2026/13", 400),  # a month the spec refuses
        ],
    )
    def test_answers_and_errors_carry_the_api_policy(
        self, client: FlaskClient, method: str, path: str, status: int
    ) -> None:
        response = getattr(client, method)(path)
        assert response.status_code == status
        csp = directives(response)
        assert csp["default-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Permissions-Policy" in response.headers

    def test_the_api_docs_load_only_their_own_stylesheet(self, client: FlaskClient) -> None:
        page = client.get("/api/web/docs")
        assert page.status_code == 200
        assert directives(page)["style-src"] == ["'self'"]
        assert b'href="/api/web/docs.css"' in page.data
        assert client.get("/api/web/docs.css").mimetype == "text/css"


class TestReportEndpoint:
    def post(self, client: FlaskClient, body: Any, content_type: str) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(REPORT, data=data, content_type=content_type)

    def test_a_report_uri_report_is_logged_and_counted_without_session_or_csrf(
        self, client: FlaskClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="runnerly_web.csp_report")
        response = self.post(client, {"csp-report": VIOLATION}, "application/csp-report")
        assert response.status_code == 204
        [record] = [r for r in caplog.records if r.name == "runnerly_web.csp_report"]
        assert record.levelno == logging.WARNING
        assert record.csp["directive"] == "img-src"  # type: ignore[attr-defined]
        assert record.csp["blocked"] == "https://evil.example/pixel.gif"  # type: ignore[attr-defined]
        assert record.csp["document"] == VIOLATION["document-uri"]  # type: ignore[attr-defined]
        metrics = client.get("/metrics").get_data(as_text=True)
        assert re.search(
            r'runnerly_csp_reports_total\{directive="img-src",service="runnerly-web"\} [1-9]',
            metrics,
        ), metrics

    def test_a_reporting_api_batch_is_read(
        self, client: FlaskClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="runnerly_web.csp_report")
        batch = [
            {
                "type": "csp-violation",
                "age": 10,
                "url": "https://runnerly.example/",
                "body": {
                    "documentURL": "https://runnerly.example/",
                    "effectiveDirective": "script-src-elem",
                    "blockedURL": "inline",
                    "disposition": "enforce",
                    "lineNumber": 3,
                },
            },
            {"type": "deprecation", "body": {"id": "x"}},  # another kind: ignored
        ]
        response = self.post(client, batch, "application/reports+json")
        assert response.status_code == 204
        logged = [r.csp for r in caplog.records if r.name == "runnerly_web.csp_report"]  # type: ignore[attr-defined]
        assert [(v["directive"], v["blocked"], v["line"]) for v in logged] == [
            ("script-src-elem", "inline", 3)
        ]

    def test_an_invented_directive_is_counted_as_other(self, client: FlaskClient) -> None:
        report = {"csp-report": {**VIOLATION, "effective-directive": "x" * 200}}
        assert self.post(client, report, "application/csp-report").status_code == 204
        metrics = client.get("/metrics").get_data(as_text=True)
        assert 'directive="other"' in metrics
        assert "x" * 50 not in metrics

    @pytest.mark.parametrize(
        ("body", "content_type", "status"),
        [
            ({"hello": "world"}, "application/csp-report", 400),
            ([], "application/reports+json", 400),
            ([{"type": "csp-violation", "body": "text"}], "application/reports+json", 400),
            (b"not json at all", "application/csp-report", 400),
            (b"\xff\xfe\x00", "application/json", 400),
            (b"[" * 100_000, "application/reports+json", 413),
            (b"[" * 50_000 + b"]" * 50_000, "application/json", 413),
            (b"[" * 30_000 + b"]" * 30_000, "application/json", 400),  # deep, within the size
            (b"", "application/csp-report", 400),
            ({"csp-report": VIOLATION}, "text/plain", 415),
        ],
        ids=[
            "not-a-report",
            "empty-batch",
            "body-not-object",
            "not-json",
            "not-utf8",
            "too-large",
            "too-large-nested",
            "deeply-nested",
            "empty",
            "wrong-type",
        ],
    )
    def test_anything_else_is_a_clear_4xx(
        self, client: FlaskClient, body: Any, content_type: str, status: int
    ) -> None:
        response = self.post(client, body, content_type)
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.is_json and response.json["message"]  # type: ignore[index]

    def test_a_hostile_report_is_cut_short_in_the_log(
        self, client: FlaskClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger="runnerly_web.csp_report")
        hostile = {
            **VIOLATION,
            "blocked-uri": "https://evil.example/" + "a" * 10_000 + "\x00",
            "line-number": {"nested": [1, 2, 3]},
            "source-file": True,
        }
        response = self.post(client, {"csp-report": hostile}, "application/csp-report")
        assert response.status_code == 204
        [logged] = [r.csp for r in caplog.records if r.name == "runnerly_web.csp_report"]  # type: ignore[attr-defined]
        assert len(logged["blocked"]) <= 300 and "\x00" not in logged["blocked"]
        assert isinstance(logged["line"], str)
