"""Password reset by email (issue 19): a single-use link valid one hour, the same answer
whether or not the address exists, throttled, every session ended by the new password.

The mail is read off the worker's broker (:mod:`outbox`); the worker's side, to the SMTP
server, is strava-worker's tests/integration/test_mail_delivery.py, and the whole path to
a mail file is e2e/test_account_recovery.py.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from ..helpers import GOOD_PASSWORD, Browser, fields_of
from .conftest import ANSWER_MS
from .outbox import Outbox, token_in

NEW_PASSWORD = "copper heron 61 meadow"
SUBJECT = "Reset your Runnerly password"
NOTICE = "Your Runnerly password was changed"


@pytest.fixture
def settings(account_app: Flask) -> Iterator[Any]:
    """The app's settings, put back after a test changes them."""
    settings = account_app.extensions["runnerly.settings"]
    before = dict(settings.__dict__)
    yield settings
    settings.__dict__.update(before)


def _ask(browser: Browser, email: str) -> Any:
    return browser.post("/api/web/password-reset", json={"email": email})


def _reset(browser: Browser, token: str, password: str = NEW_PASSWORD) -> Any:
    return browser.post(
        "/api/web/password-reset/confirm", json={"token": token, "new_password": password}
    )


def _link(browser: Browser, outbox: Outbox, email: str) -> str:
    assert _ask(browser, email).status_code == 202
    return token_in(outbox.one(email, SUBJECT), "/reset-password")


def _log_in(browser: Browser, email: str, password: str) -> int:
    response = browser.post("/api/web/login", json={"email": email, "password": password})
    return response.status_code


class TestAskingForALink:
    def test_it_mails_a_link_to_the_reset_page_carrying_the_token_in_the_fragment(
        self, new_browser: Callable[[], Browser], runner: dict[str, Any], outbox: Outbox
    ) -> None:
        stranger = new_browser()
        response = _ask(stranger, runner["email"].upper())  # any case finds the account

        assert response.status_code == 202
        assert "If an account uses this address" in response.json["message"]
        mail = outbox.one(runner["email"], SUBJECT)
        assert "http://localhost/reset-password#token=" in mail["text"]
        assert "works once, for 1 hour" in mail["text"]
        assert mail["text"].startswith("Hi Ada,")
        assert token_in(mail, "/reset-password")
        # The worker adds this runner's one-click unsubscribe on delivery (decision 56).
        assert mail["runner_id"] == runner["id"]

    def test_the_link_and_the_footer_use_the_public_url_when_it_is_set(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox, settings: Any
    ) -> None:
        settings.public_url = "https://runnerly.example/"
        assert _ask(browser, runner["email"]).status_code == 202
        mail = outbox.one(runner["email"], SUBJECT)
        assert "https://runnerly.example/reset-password#token=" in mail["text"]
        assert mail["text"].rstrip().endswith("Runnerly: https://runnerly.example")

    def test_an_unknown_address_gets_the_same_answer_in_as_long_and_no_mail(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        started = time.monotonic()
        unknown = _ask(browser, nobody)
        unknown_took = time.monotonic() - started
        started = time.monotonic()
        known = _ask(browser, runner["email"])
        known_took = time.monotonic() - started

        assert (unknown.status_code, unknown.json) == (known.status_code, known.json)
        # Both wait out the same floor, longer than the lookup and queueing take here.
        assert unknown_took >= ANSWER_MS / 1000 and known_took >= ANSWER_MS / 1000
        assert abs(unknown_took - known_took) < 0.2
        outbox.none(nobody)
        assert outbox.take(runner["email"])

    def test_a_disabled_account_gets_the_same_answer_and_no_link(
        self, browser: Browser, runner: dict[str, Any], admin: Browser, outbox: Outbox
    ) -> None:
        disabled = admin.patch(f"/api/web/admin/users/{runner['id']}", json={"disabled": True})
        assert disabled.status_code == 200
        nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        answer = _ask(browser, runner["email"])
        assert (answer.status_code, answer.json) == (202, _ask(browser, nobody).json)
        outbox.none(runner["email"])

    def test_a_fourth_request_for_one_address_within_the_hour_is_refused(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        for _ in range(3):
            assert _ask(browser, runner["email"]).status_code == 202
        refused = _ask(browser, runner["email"])
        assert refused.status_code == 429
        assert refused.json["code"] == "too_many_requests"
        assert 3000 < int(refused.headers["Retry-After"]) <= 3600
        assert re.search(r"try again in (5\d|60) minutes$", refused.json["message"])
        assert len(outbox.take(runner["email"])) == 3  # no fourth mail

    def test_an_unknown_address_is_limited_alike_so_a_429_tells_nothing(
        self, browser: Browser
    ) -> None:
        nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        answers = [_ask(browser, nobody).status_code for _ in range(4)]
        assert answers == [202, 202, 202, 429]

    def test_an_address_that_is_not_an_email_is_a_400_naming_it(self, browser: Browser) -> None:
        response = _ask(browser, "not-an-email")
        assert response.status_code == 400
        assert fields_of(response) == {"body.email"}


class TestChoosingANewPassword:
    def test_the_new_password_logs_in_the_old_one_does_not_and_every_session_ended(
        self,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        phone = new_browser()
        assert _log_in(phone, runner["email"], GOOD_PASSWORD) == 200
        laptop = new_browser()
        token = _link(laptop, outbox, runner["email"])

        response = _reset(laptop, token)

        assert response.status_code == 200, response.json
        assert response.json["user"] is None  # nobody is logged in by a reset
        assert phone.get("/api/web/profile").status_code == 401
        assert _log_in(new_browser(), runner["email"], GOOD_PASSWORD) == 401
        assert _log_in(laptop, runner["email"], NEW_PASSWORD) == 200
        notice = outbox.one(runner["email"], NOTICE)
        assert "every device logged in to it was logged out" in notice["text"]

    def test_the_signed_up_browser_is_logged_out_too(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        token = _link(browser, outbox, runner["email"])
        assert _reset(browser, token).status_code == 200
        assert browser.get("/api/web/profile").status_code == 401

    def test_a_browser_logged_in_to_another_account_stays_so(
        self, new_browser: Callable[[], Browser], runner: dict[str, Any], outbox: Outbox
    ) -> None:
        other = new_browser()
        someone = other.sign_up()
        response = _reset(other, _link(other, outbox, runner["email"]))
        assert response.status_code == 200
        assert response.json["user"]["email"] == someone["email"]
        assert other.get("/api/web/profile").status_code == 200

    def test_a_link_works_once(
        self, new_browser: Callable[[], Browser], runner: dict[str, Any], outbox: Outbox
    ) -> None:
        token = _link(new_browser(), outbox, runner["email"])
        assert _reset(new_browser(), token).status_code == 200
        again = _reset(new_browser(), token, "another 93 lighthouse tune")
        assert again.status_code == 400
        assert again.json["code"] == "invalid_token"
        assert fields_of(again) == {"body.token"}
        assert "already used" in again.json["message"]
        assert _log_in(new_browser(), runner["email"], NEW_PASSWORD) == 200

    def test_a_weak_password_is_refused_and_the_link_still_works(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        token = _link(browser, outbox, runner["email"])
        weak = _reset(browser, token, "password1")
        assert weak.status_code == 422
        assert fields_of(weak) == {"body.new_password"}
        assert _log_in(browser, runner["email"], GOOD_PASSWORD) == 200  # unchanged
        assert _reset(browser, token).status_code == 200

    def test_an_expired_link_is_refused_as_expired(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox, settings: Any
    ) -> None:
        settings.password_reset_ttl_seconds = 1
        token = _link(browser, outbox, runner["email"])
        time.sleep(1.2)
        response = _reset(browser, token)
        assert response.status_code == 400
        assert "expired" in response.json["message"]
        assert _log_in(browser, runner["email"], GOOD_PASSWORD) == 200

    def test_a_new_password_cancels_the_other_links(
        self, new_browser: Callable[[], Browser], runner: dict[str, Any], outbox: Outbox
    ) -> None:
        first = _link(new_browser(), outbox, runner["email"])
        second = _link(new_browser(), outbox, runner["email"])
        assert _reset(new_browser(), second).status_code == 200
        response = _reset(new_browser(), first, "another 93 lighthouse tune")
        assert response.status_code == 400
        assert "cancelled" in response.json["message"]

    def test_a_made_up_token_is_refused_as_not_valid(self, browser: Browser) -> None:
        response = _reset(browser, "x" * 43)
        assert response.status_code == 400
        assert response.json["code"] == "invalid_token"
        assert "not valid" in response.json["message"]

    def test_a_reset_lifts_the_lockout_of_wrong_passwords(
        self, new_browser: Callable[[], Browser], runner: dict[str, Any], outbox: Outbox
    ) -> None:
        stranger = new_browser()
        for _ in range(5):
            assert _log_in(stranger, runner["email"], "wrong guess") == 401
        assert _log_in(stranger, runner["email"], GOOD_PASSWORD) == 429
        assert _reset(stranger, _link(stranger, outbox, runner["email"])).status_code == 200
        assert _log_in(stranger, runner["email"], NEW_PASSWORD) == 200


class TestChangingThePasswordInTheProfile:
    def test_it_mails_a_notice_ends_other_sessions_and_cancels_reset_links(
        self,
        browser: Browser,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        phone = new_browser()
        assert _log_in(phone, runner["email"], GOOD_PASSWORD) == 200
        token = _link(new_browser(), outbox, runner["email"])

        response = browser.post(
            "/api/web/profile/password",
            json={"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 200, response.json
        assert browser.get("/api/web/profile").status_code == 200  # this one is renewed
        assert phone.get("/api/web/profile").status_code == 401
        assert outbox.one(runner["email"], NOTICE)
        assert "cancelled" in _reset(new_browser(), token, "late 45 pebble sonata").json["message"]
