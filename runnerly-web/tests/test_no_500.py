"""No input a browser can send yields a 500: every mistake is a 4xx JSON error."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import Browser

BAD_REQUESTS = [
    ("GET", "/api/web/runs/2024/13", None),
    ("GET", "/api/web/runs/1800/1", None),
    ("GET", "/api/web/runs/abc/1", None),
    ("GET", "/api/web/runs/0", None),
    ("GET", "/api/web/runs/99999999999999999999", None),
    ("GET", "/api/web/runs/5/track", None),
    ("GET", "/api/web/stats/totals?period=decade", None),
    ("GET", "/api/web/stats/totals?period=week&from=2000-01-01&to=2024-01-01", None),
    ("GET", "/api/web/stats/totals?from=2024-05-01&to=2024-01-01", None),
    ("GET", "/api/web/stats/summary?date=yesterday", None),
    ("GET", "/api/web/reports/2024/0", None),
    ("GET", "/api/web/plans/0", None),
    ("GET", "/api/web/races/77777", None),
    ("PATCH", "/api/web/profile", "not json"),
    ("PATCH", "/api/web/profile", [1, 2]),
    ("PATCH", "/api/web/profile", {"first_name": "x" * 500}),
    ("PATCH", "/api/web/profile", {"first_name": "nul\u0000byte"}),
    ("PATCH", "/api/web/profile", {"weight": -3}),
    ("PATCH", "/api/web/profile", {"age": None, "vo2max": "high"}),
    ("POST", "/api/web/races", {}),
    ("POST", "/api/web/races", {"name": "R", "date": "2031-02-30", "distance": 5000}),
    ("POST", "/api/web/races/1/plan", {"weeks": 2}),
    ("PATCH", "/api/web/plans/1", {"sessions": [{"date": "x", "kind": "nap"}]}),
    ("DELETE", "/api/web/plans/424242", None),
    ("POST", "/api/web/runs/1/merge", {}),
    ("POST", "/api/web/runs/1/merge", {"run_id": "x"}),
    ("POST", "/api/web/runs/424242/merge", {"run_id": 424243}),
    ("POST", "/api/web/runs/424242/split", None),
    ("POST", "/api/web/runs/99999999999999999999/split", None),
    ("POST", "/api/web/runs/import", b"<gpx/>"),
    ("POST", "/api/web/runs/import?filename=a.fit", b"not a fit file at all"),
    ("POST", "/api/web/runs/import?filename=a.tcx", b"\xff\xfe\x00garbage"),
    ("POST", "/api/web/login", {"email": "", "password": ""}),
    ("POST", "/api/web/login", {"email": "a@b.c"}),
    ("POST", "/api/web/signup", {"email": "a@b.c", "password": "x" * 2000}),
    ("DELETE", "/api/web/profile", {}),
    ("PATCH", "/api/web/admin/users/1", {"disabled": "yes"}),
    ("PUT", "/api/web/profile", {"age": 30}),
    ("GET", "/api/web/nothing-here", None),
    ("DELETE", "/api/web/strava", None),
    ("GET", "/strava/callback?state=&code=&scope=", None),
    ("GET", "/strava/callback?error=access_denied", None),
]


def _send(browser: Browser, method: str, path: str, body: Any) -> Any:
    if isinstance(body, bytes):
        return browser._send(
            method, path, data=body, headers={"Content-Type": "application/octet-stream"}
        )
    if isinstance(body, str):
        return browser._send(method, path, data=body, headers={"Content-Type": "application/json"})
    return (
        browser._send(method, path, json=body) if body is not None else browser._send(method, path)
    )


@pytest.mark.parametrize(("method", "path", "body"), BAD_REQUESTS)
def test_bad_input_is_a_4xx_json_error(
    browser: Browser, runner: dict[str, Any], method: str, path: str, body: Any
) -> None:
    response = _send(browser, method, path, body)
    assert response.status_code < 500, (response.status_code, response.data[:300])
    if path.startswith("/api/") and response.status_code >= 400:
        assert response.is_json
        assert {"code", "message", "request_id"} <= set(response.json)


@pytest.mark.parametrize(("method", "path", "body"), BAD_REQUESTS[:12])
def test_without_a_session_it_is_401_not_500(
    browser: Browser, method: str, path: str, body: Any
) -> None:
    response = _send(browser, method, path, body)
    assert response.status_code in (400, 401, 404), response.data[:300]


def test_a_body_over_the_limit_is_413(browser: Browser, runner: dict[str, Any]) -> None:
    response = _send(browser, "POST", "/api/web/runs/import?filename=big.gpx", b"x" * (9 << 20))
    assert response.status_code == 413 and response.json["code"] == "request_entity_too_large"
