"""Email preferences in the profile, and the one-click unsubscribe link every optional mail
carries (RFC 8058): posted by a mail client with no session and no CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from .helpers import Browser, fields_of

ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058 §3.1: the POST's whole body
FORM = "application/x-www-form-urlencoded"


def _service_view(app: Flask, runner: dict[str, Any]) -> dict[str, Any]:
    """The runner's preferences as a service reads them, with the unsubscribe token."""
    with app.app_context():
        ds = app.extensions["runnerly_web.dataservice"]
        return ds.json("GET", f"/users/{runner['id']}/email-preferences")


@pytest.fixture
def token(app: Flask, runner: dict[str, Any]) -> str:
    return _service_view(app, runner)["unsubscribe_token"]


def _wants_report(app: Flask, runner: dict[str, Any]) -> bool:
    return bool(_service_view(app, runner)["monthly_report"])


class TestProfile:
    def test_the_report_is_on_and_comes_on_the_first_until_the_runner_chooses(
        self, browser: Browser, runner: dict[str, Any]
    ) -> None:
        response = browser.get("/api/web/email-preferences")
        assert response.status_code == 200, response.json
        assert response.json == {"monthly_report": True, "report_day": 1}

    def test_the_runner_turns_it_off_and_picks_a_day(
        self, app: Flask, browser: Browser, runner: dict[str, Any]
    ) -> None:
        body = {"monthly_report": False, "report_day": 12}
        response = browser.patch("/api/web/email-preferences", json=body)
        assert response.status_code == 200, response.json
        assert response.json == body  # never the token
        assert browser.get("/api/web/email-preferences").json == body
        assert not _wants_report(app, runner)

    @pytest.mark.parametrize("day", [0, 29, "5"])
    def test_a_day_not_in_every_month_is_refused_naming_it(
        self, browser: Browser, runner: dict[str, Any], day: Any
    ) -> None:
        response = browser.patch("/api/web/email-preferences", json={"report_day": day})
        assert response.status_code == 400
        assert fields_of(response) == {"body.report_day"}
        assert browser.get("/api/web/email-preferences").json["report_day"] == 1

    def test_a_change_needs_the_session_and_its_csrf_token(
        self, app: Flask, browser: Browser, runner: dict[str, Any]
    ) -> None:
        response = browser.client.patch(
            "/api/web/email-preferences", json={"monthly_report": False}
        )
        assert response.status_code == 403 and response.json["code"] == "csrf_failed"
        assert app.test_client().get("/api/web/email-preferences").status_code == 401
        assert _wants_report(app, runner)


class TestOneClick:
    def test_a_mail_clients_post_without_session_or_csrf_unsubscribes(
        self, app: Flask, runner: dict[str, Any], token: str
    ) -> None:
        mail_client = app.test_client()  # no cookie, no session, no header of ours
        response = mail_client.post(f"/unsubscribe/{token}", data=ONE_CLICK, content_type=FORM)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers  # nothing ties it to a visit
        assert "You are unsubscribed" in response.get_data(as_text=True)
        assert not _wants_report(app, runner)
        again = mail_client.post(f"/unsubscribe/{token}", data=ONE_CLICK, content_type=FORM)
        assert again.status_code == 200  # idempotent
        assert not _wants_report(app, runner)

    def test_the_multipart_form_rfc_8058_allows_works_too(
        self, app: Flask, runner: dict[str, Any], token: str
    ) -> None:
        response = app.test_client().post(
            f"/unsubscribe/{token}",
            data={"List-Unsubscribe": "One-Click"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        assert not _wants_report(app, runner)

    @pytest.mark.parametrize("body", ["", "List-Unsubscribe=Yes", "unsubscribe=One-Click"])
    def test_another_body_changes_nothing(
        self, app: Flask, runner: dict[str, Any], token: str, body: str
    ) -> None:
        response = app.test_client().post(f"/unsubscribe/{token}", data=body, content_type=FORM)
        assert response.status_code == 400
        assert _wants_report(app, runner)

    @pytest.mark.parametrize(
        "other", ["x" * 43, "k3Vq0oJ6pY1sVd9x_Zr-2LwQm8nB4cTe7uHa5gKi0fM", "short", "a%27--"]
    )
    def test_a_token_that_is_not_ours_is_not_found_and_changes_nothing(
        self, app: Flask, runner: dict[str, Any], token: str, other: str
    ) -> None:
        response = app.test_client().post(
            f"/unsubscribe/{other}", data=ONE_CLICK, content_type=FORM
        )
        assert response.status_code == 404
        assert "does not work any more" in response.get_data(as_text=True)
        assert _wants_report(app, runner)

    def test_a_rotated_token_leaves_the_old_links_dead(
        self, app: Flask, browser: Browser, runner: dict[str, Any], token: str
    ) -> None:
        with app.app_context():
            ds = app.extensions["runnerly_web.dataservice"]
            ds.json(
                "PATCH",
                f"/users/{runner['id']}/email-preferences",
                json={"rotate_unsubscribe_token": True},
            )
        response = app.test_client().post(
            f"/unsubscribe/{token}", data=ONE_CLICK, content_type=FORM
        )
        assert response.status_code == 404
        assert _wants_report(app, runner)


class TestPage:
    def test_opening_the_link_asks_first_and_changes_nothing(
        self, app: Flask, runner: dict[str, Any], token: str
    ) -> None:
        response = app.test_client().get(f"/unsubscribe/{token}")
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        # The button posts the one-click body to the link itself.
        assert re.search(rf'<form method="post" action="/unsubscribe/{token}">', page)
        assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page
        assert 'href="/profile"' in page
        assert "form-action 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert _wants_report(app, runner)  # a link scanner's GET unsubscribes nobody

    def test_the_page_turns_the_report_back_on(
        self, app: Flask, runner: dict[str, Any], token: str
    ) -> None:
        page = app.test_client()
        page.post(f"/unsubscribe/{token}", data=ONE_CLICK, content_type=FORM)
        assert not _wants_report(app, runner)
        response = page.post(f"/unsubscribe/{token}", data={"monthly_report": "on"})
        assert response.status_code == 200
        assert "on again" in response.get_data(as_text=True)
        assert _wants_report(app, runner)

    def test_a_logged_in_runner_reads_the_change_in_their_profile(
        self, app: Flask, browser: Browser, runner: dict[str, Any], token: str
    ) -> None:
        browser.client.post(f"/unsubscribe/{token}", data=ONE_CLICK, content_type=FORM)
        assert browser.get("/api/web/email-preferences").json["monthly_report"] is False
