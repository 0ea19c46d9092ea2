"""Changing the account's email (issue 19): asked with the password, confirmed from the
new address with a single-use link, the old address told at each step, the runner's other
sessions ended."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from ..helpers import GOOD_PASSWORD, Browser, fields_of
from .outbox import Outbox, token_in

CONFIRM = "Confirm your new Runnerly email address"
REQUESTED = "A new email address was requested for your Runnerly account"
CHANGED = "Your Runnerly email address was changed"


def _fresh() -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.org"


def _ask(browser: Browser, new_email: str, password: str = GOOD_PASSWORD) -> Any:
    return browser.post(
        "/api/web/profile/email", json={"new_email": new_email, "password": password}
    )


def _confirm(browser: Browser, token: str) -> Any:
    return browser.post("/api/web/profile/email/confirm", json={"token": token})


def _link(browser: Browser, outbox: Outbox, new_email: str) -> str:
    response = _ask(browser, new_email)
    assert response.status_code == 202, response.json
    return token_in(outbox.one(new_email, CONFIRM), "/confirm-email")


def _log_in(browser: Browser, email: str) -> int:
    response = browser.post("/api/web/login", json={"email": email, "password": GOOD_PASSWORD})
    return response.status_code


class TestAskingForANewAddress:
    def test_the_new_address_gets_a_link_and_the_old_one_is_told(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        new_email = _fresh()
        response = _ask(browser, new_email)

        assert response.status_code == 202
        assert response.json == {"status": "confirmation_sent", "new_email": new_email}
        confirm = outbox.one(new_email, CONFIRM)
        assert "http://localhost/confirm-email#token=" in confirm["text"]
        told = outbox.one(runner["email"], REQUESTED)
        assert new_email in told["text"]
        # The account's address gets the runner's unsubscribe on delivery; the address
        # being confirmed, maybe a stranger's, does not (decision 56).
        assert told["runner_id"] == runner["id"]
        assert "runner_id" not in confirm
        # Nothing changes until the new address confirms.
        assert browser.get("/api/web/profile").json["email"] == runner["email"]

    def test_a_wrong_password_is_a_401_naming_it_and_sends_nothing(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        new_email = _fresh()
        response = _ask(browser, new_email, "not my password")
        assert response.status_code == 401
        assert fields_of(response) == {"body.password"}
        outbox.none(new_email)
        outbox.none(runner["email"])

    def test_an_address_another_account_uses_is_a_409_naming_new_email(
        self, browser: Browser, new_browser: Callable[[], Browser], outbox: Outbox
    ) -> None:
        other = new_browser().sign_up()
        browser.sign_up()
        response = _ask(browser, other["email"].upper())
        assert response.status_code == 409
        assert response.json["code"] == "email_taken"
        assert fields_of(response) == {"body.new_email"}
        outbox.none(other["email"])

    def test_the_current_address_is_refused(self, browser: Browser, runner: dict[str, Any]) -> None:
        response = _ask(browser, runner["email"])
        assert response.status_code == 422
        assert fields_of(response) == {"body.new_email"}

    def test_without_a_session_it_is_a_401(self, browser: Browser) -> None:
        assert _ask(browser, _fresh()).status_code == 401


class TestConfirming:
    def test_the_email_changes_other_sessions_end_and_this_one_stays(
        self,
        browser: Browser,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        phone = new_browser()
        assert _log_in(phone, runner["email"]) == 200
        new_email = _fresh()
        token = _link(browser, outbox, new_email)

        response = _confirm(browser, token)

        assert response.status_code == 200, response.json
        assert response.json["user"]["email"] == new_email
        assert browser.get("/api/web/profile").json["email"] == new_email
        assert phone.get("/api/web/profile").status_code == 401
        changed = outbox.one(runner["email"], CHANGED)
        assert new_email in changed["text"]
        assert "runner_id" not in changed  # no longer the account's address
        assert _log_in(new_browser(), runner["email"]) == 401
        assert _log_in(new_browser(), new_email) == 200

    def test_a_link_opened_in_another_browser_changes_it_without_logging_that_one_in(
        self,
        browser: Browser,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        new_email = _fresh()
        token = _link(browser, outbox, new_email)
        elsewhere = new_browser()

        response = _confirm(elsewhere, token)

        assert response.status_code == 200, response.json
        assert response.json["user"] is None
        assert browser.get("/api/web/profile").status_code == 401  # every session ended
        assert _log_in(elsewhere, new_email) == 200

    def test_a_link_works_once(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        token = _link(browser, outbox, _fresh())
        assert _confirm(browser, token).status_code == 200
        again = _confirm(browser, token)
        assert again.status_code == 400
        assert again.json["code"] == "invalid_token"
        assert "already used" in again.json["message"]

    def test_a_newer_request_cancels_the_older_link(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        first_email, second_email = _fresh(), _fresh()
        first = _link(browser, outbox, first_email)
        second = _link(browser, outbox, second_email)
        refused = _confirm(browser, first)
        assert refused.status_code == 400
        assert "cancelled" in refused.json["message"]
        assert _confirm(browser, second).json["user"]["email"] == second_email

    def test_a_password_change_cancels_a_pending_change(
        self, browser: Browser, runner: dict[str, Any], outbox: Outbox
    ) -> None:
        token = _link(browser, outbox, _fresh())
        changed = browser.post(
            "/api/web/profile/password",
            json={"current_password": GOOD_PASSWORD, "new_password": "copper heron 61 meadow"},
        )
        assert changed.status_code == 200
        refused = _confirm(browser, token)
        assert refused.status_code == 400
        assert browser.get("/api/web/profile").json["email"] == runner["email"]

    def test_an_address_taken_meanwhile_is_a_409_and_nothing_changes(
        self,
        browser: Browser,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        new_email = _fresh()
        token = _link(browser, outbox, new_email)
        new_browser().sign_up(email=new_email)
        response = _confirm(browser, token)
        assert response.status_code == 409
        assert response.json["code"] == "email_taken"
        assert browser.get("/api/web/profile").json["email"] == runner["email"]

    def test_a_confirmed_change_cancels_reset_links_sent_to_the_old_address(
        self,
        browser: Browser,
        new_browser: Callable[[], Browser],
        runner: dict[str, Any],
        outbox: Outbox,
    ) -> None:
        stranger = new_browser()
        assert (
            stranger.post("/api/web/password-reset", json={"email": runner["email"]}).status_code
            == 202
        )
        reset = token_in(
            outbox.one(runner["email"], "Reset your Runnerly password"), "/reset-password"
        )
        assert _confirm(browser, _link(browser, outbox, _fresh())).status_code == 200
        response = stranger.post(
            "/api/web/password-reset/confirm",
            json={"token": reset, "new_password": "copper heron 61 meadow"},
        )
        assert response.status_code == 400
        assert "cancelled" in response.json["message"]


def test_the_account_app_queues_on_the_outbox_broker(account_app: Flask) -> None:
    assert account_app.extensions["runnerly_web.mail"].broker_url.endswith("/10")
