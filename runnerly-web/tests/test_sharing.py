"""Share links through runnerly-web: the runner makes and revokes them; anyone opens
``/s/<token>`` and ``GET /api/web/shared/<token>`` with no session, gets no cookie, sees
what was shared (never the email, the route's ends hidden in the runner's privacy zones),
and a revoked, unknown or malformed link is the same 404."""

from __future__ import annotations

from typing import Any

import polyline
import pytest
from flask import Flask

from .helpers import Browser, gpx_file

# gpx_file's run: 60 points north from (48.85, 2.35), ~30 m apart (about 1.77 km).
START = (48.85, 2.35)


def upload(browser: Browser) -> int:
    response = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file(),
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.json
    return int(response.json["id"])


@pytest.fixture
def run_id(browser: Browser, runner: dict[str, Any]) -> int:
    return upload(browser)


def anonymous(app: Flask, path: str) -> Any:
    """A browser with no session at all: what someone the link was sent to has."""
    return app.test_client().get(path)


class TestSharedRun:
    def test_anyone_sees_the_shared_run_without_a_session_and_gets_no_cookie(
        self, app: Flask, browser: Browser, runner: dict[str, Any], run_id: int
    ) -> None:
        made = browser.post("/api/web/share-links", json={"run_id": run_id})
        assert made.status_code == 201, made.json
        path = made.json["path"]
        assert path.startswith("/s/") and "token" not in made.json

        answer = anonymous(app, "/api/web/shared/" + path.removeprefix("/s/"))
        assert answer.status_code == 200, answer.json
        assert answer.json["kind"] == "run"
        assert answer.json["distance"] == pytest.approx(1770, rel=0.03)
        assert runner["email"] not in answer.get_data(as_text=True)
        assert "average_hr" not in answer.json
        assert "Set-Cookie" not in answer.headers
        assert answer.headers["Cache-Control"] == "public, max-age=0, s-maxage=5"
        assert "noindex" in answer.headers["X-Robots-Tag"]

        page = anonymous(app, path)
        assert page.status_code == 200
        assert page.mimetype == "text/html"
        assert "Set-Cookie" not in page.headers
        assert "noindex" in page.headers["X-Robots-Tag"]
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert "s-maxage=5" in page.headers["Cache-Control"]

    def test_the_list_shows_the_link_and_revoke_makes_it_the_same_404_as_a_wrong_one(
        self, app: Flask, browser: Browser, runner: dict[str, Any], run_id: int
    ) -> None:
        made = browser.post("/api/web/share-links", json={"run_id": run_id}).json
        listed = browser.get(f"/api/web/share-links?run_id={run_id}").json["items"]
        assert [link["id"] for link in listed] == [made["id"]]
        token = made["path"].removeprefix("/s/")
        assert browser.delete(f"/api/web/share-links/{made['id']}").status_code == 204
        answers = [
            anonymous(app, f"/api/web/shared/{t}") for t in (token, "A" * 43, "not a token", "x")
        ]
        assert [a.status_code for a in answers] == [404] * 4
        assert {(a.json["code"], a.json["message"]) for a in answers} == {
            ("not_found", "This shared page does not exist or is no longer shared.")
        }
        assert browser.get(f"/api/web/share-links?run_id={run_id}").json["items"] == []

    def test_another_runner_cannot_share_or_revoke_this_runners_run(
        self, browser: Browser, new_browser: Any, runner: dict[str, Any], run_id: int
    ) -> None:
        made = browser.post("/api/web/share-links", json={"run_id": run_id}).json
        other = new_browser()
        other.sign_up()
        refused = other.post("/api/web/share-links", json={"run_id": run_id})
        assert refused.status_code == 404, refused.json
        assert other.delete(f"/api/web/share-links/{made['id']}").status_code == 404
        assert len(browser.get("/api/web/share-links").json["items"]) == 1

    def test_making_a_link_needs_a_session_and_the_csrf_token(
        self, app: Flask, browser: Browser, runner: dict[str, Any], run_id: int
    ) -> None:
        client = app.test_client()
        assert client.post("/api/web/share-links", json={"run_id": run_id}).status_code == 403
        no_csrf = browser.client.post("/api/web/share-links", json={"run_id": run_id})
        assert no_csrf.status_code == 403


class TestPrivacyZones:
    def test_a_zone_at_the_start_hides_it_and_its_coordinates_never_leave_the_owner(
        self, app: Flask, browser: Browser, runner: dict[str, Any], run_id: int
    ) -> None:
        zone = {"label": "Home", "lat": START[0], "lon": START[1], "radius": 300}
        made = browser.post("/api/web/privacy-zones", json=zone)
        assert made.status_code == 201, made.json
        assert browser.get("/api/web/privacy-zones").json["items"][0]["label"] == "Home"
        link = browser.post("/api/web/share-links", json={"run_id": run_id}).json
        answer = anonymous(app, "/api/web/shared/" + link["path"].removeprefix("/s/"))
        route = answer.json["route"]
        first = polyline.decode(route["polyline"])[0]
        assert first[0] - START[0] > 300 / 111_195  # the first point shown is outside
        assert route["bounds"][0][0] == first[0]
        assert route["trimmed"] is True
        assert "Home" not in answer.get_data(as_text=True)

    def test_a_radius_outside_100_to_1000_m_is_refused_naming_it(
        self, browser: Browser, runner: dict[str, Any]
    ) -> None:
        zone = {"label": "Home", "lat": 48.0, "lon": 2.0, "radius": 50}
        response = browser.post("/api/web/privacy-zones", json=zone)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.radius"
