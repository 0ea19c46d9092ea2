"""The browser's protections on the stack `make run` starts: every service answers, errors
included, with nosniff, X-Frame-Options, a Permissions-Policy and its Content-Security-Policy,
on its own port and through the gateway (which must pass them on untouched)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from runnerly_common.testing.procfile import GATEWAY_URL, ProcfileStack

WEB, TOKENDEALER, DATASERVICE = (
    "http://127.0.0.1:5000",
    "http://127.0.0.1:5001",
    "http://127.0.0.1:5002",
)
SIM, WEBHOOK = "http://127.0.0.1:5004", "http://127.0.0.1:5005"
JSON_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}
# (method, url, status, body): a 404 and a client error from each service.
ANSWERS = [
    ("GET", f"{WEB}/api/web/no-such-thing", 404, None),
    ("POST", f"{WEB}/api/web/login", 403, {}),  # no CSRF token
    ("GET", f"{TOKENDEALER}/no-such-thing", 404, None),
    ("POST", f"{TOKENDEALER}/oauth/token", 401, {"grant_type": "password"}),  # no client
    ("GET", f"{TOKENDEALER}/.well-known/jwks.json", 200, None),
    ("GET", f"{DATASERVICE}/api/v1/no-such-thing", 404, None),
    ("GET", f"{DATASERVICE}/api/v1/users/1", 401, None),  # no token
    ("GET", f"{SIM}/no-such-thing", 404, None),
    ("GET", f"{WEBHOOK}/no-such-thing", 404, None),
    ("POST", f"{WEBHOOK}/webhook", 400, b"{not json"),
    # The same through the gateway.
    ("GET", f"{GATEWAY_URL}/api/web/no-such-thing", 404, None),
    ("POST", f"{GATEWAY_URL}/api/web/login", 403, {}),
    ("GET", f"{GATEWAY_URL}/api/v1/no-such-thing", 404, None),
    ("GET", f"{GATEWAY_URL}/api/v1/users/1", 401, None),
    ("POST", f"{GATEWAY_URL}/oauth/token", 401, {"grant_type": "password"}),
    ("GET", f"{GATEWAY_URL}/.well-known/jwks.json", 200, None),
    ("POST", f"{GATEWAY_URL}/strava/webhook", 400, b"{not json"),
]


def directives(response: requests.Response) -> dict[str, str]:
    value = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in value.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_common(response: requests.Response) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff", response.headers
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert "camera=()" in response.headers.get("Permissions-Policy", "")
    assert "Referrer-Policy" in response.headers


@pytest.mark.parametrize(
    ("method", "url", "status", "body"), ANSWERS, ids=[f"{a[0]} {a[1]}" for a in ANSWERS]
)
def test_json_answers_and_errors_carry_the_headers(
    stack: ProcfileStack, method: str, url: str, status: int, body: Any
) -> None:
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, (bytes, dict)) else {}
    if isinstance(body, bytes):
        kwargs["headers"] = {"Content-Type": "application/json"}
    response = requests.request(method, url, timeout=10, **kwargs)
    assert response.status_code == status, response.text
    csp = directives(response)
    for name, value in JSON_POLICY.items():
        assert csp.get(name) == value, response.headers
    assert_common(response)


def test_the_dashboard_through_the_gateway_gets_its_own_policy(stack: ProcfileStack) -> None:
    response = requests.get(f"{GATEWAY_URL}/runs/2026/11", timeout=10)
    assert response.status_code == 200 and "text/html" in response.headers["Content-Type"]
    csp = directives(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert csp["report-uri"] == "/api/web/csp-report"
    assert_common(response)


@pytest.mark.parametrize("prefix", ["/api/v1", "/api/web"])
def test_the_api_docs_and_their_stylesheet_through_the_gateway(
    stack: ProcfileStack, prefix: str
) -> None:
    page = requests.get(f"{GATEWAY_URL}{prefix}/docs", timeout=10)
    assert page.status_code == 200
    assert directives(page)["style-src"] == "'self'"
    assert_common(page)
    style = requests.get(f"{GATEWAY_URL}{prefix}/docs.css", timeout=10)
    assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")


def test_a_violation_report_through_the_gateway_is_accepted(stack: ProcfileStack) -> None:
    report = {
        "csp-report": {
            "document-uri": f"{GATEWAY_URL}/",
            "effective-directive": "img-src",
            "blocked-uri": "https://evil.example/pixel.gif",
        }
    }
    response = requests.post(
        f"{GATEWAY_URL}/api/web/csp-report",
        json=report,
        headers={"Content-Type": "application/csp-report"},
        timeout=10,
    )
    assert response.status_code == 204, response.text
