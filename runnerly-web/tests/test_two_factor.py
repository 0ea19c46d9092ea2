"""Two-factor sign-in (TOTP): enrolment from the profile, the login's second step (no
session before the code, codes good once, recovery codes good once, throttled, bound to
the browser, five minutes), turning it off, new recovery codes, an administrator's reset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from runnerly_web.two_factor.pending import SQLitePendingLogins

from .conftest import make_app, web_settings
from .helpers import Browser


def code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(browser: Browser) -> tuple[str, list[str]]:
    started = browser.post("/api/web/profile/two-factor/enrolment")
    assert started.status_code == 201, started.json
    secret = started.json["secret"]
    confirmed = browser.post("/api/web/profile/two-factor/confirm", json={"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.json
    return secret, confirmed.json["recovery_codes"]


def password_step(browser: Browser, runner: dict[str, Any]) -> Any:
    body = {"email": runner["email"], "password": runner["password"]}
    return browser.post("/api/web/login", json=body)


@pytest.fixture
def enrolled(browser: Browser, runner: dict[str, Any]) -> dict[str, Any]:
    """The runner, with two-factor on (the code of the step after now still unused)."""
    secret, codes = enrol(browser)
    return {**runner, "secret": secret, "recovery_codes": codes}


class TestEnrolment:
    def test_the_qr_code_and_the_secret_are_shown_and_a_first_code_turns_it_on(
        self, browser: Browser, runner: dict[str, Any]
    ) -> None:
        assert browser.get("/api/web/profile/two-factor").json["enabled"] is False
        started = browser.post("/api/web/profile/two-factor/enrolment")
        assert started.status_code == 201
        assert started.json["qr_svg"].startswith("data:image/svg+xml")
        secret = started.json["secret"]
        assert f"secret={secret}" in started.json["otpauth_uri"]
        assert browser.get("/api/web/profile/two-factor").json["pending"] is True
        wrong = browser.post("/api/web/profile/two-factor/confirm", json={"code": "000000"})
        if code(secret) != "000000":
            assert wrong.status_code == 401 and wrong.json["code"] == "invalid_code"
            assert wrong.json["errors"][0]["field"] == "body.code"
        spaced = code(secret)
        confirmed = browser.post(
            "/api/web/profile/two-factor/confirm", json={"code": f"{spaced[:3]} {spaced[3:]}"}
        )
        assert confirmed.status_code == 200, confirmed.json
        assert len(confirmed.json["recovery_codes"]) == 10
        status = browser.get("/api/web/profile/two-factor").json
        assert status["enabled"] is True and status["recovery_codes_left"] == 10
        assert secret not in str(status)

    def test_a_code_that_is_not_six_digits_is_named(self, browser: Browser, runner: dict) -> None:
        browser.post("/api/web/profile/two-factor/enrolment")
        answer = browser.post("/api/web/profile/two-factor/confirm", json={"code": "12 34"})
        assert answer.status_code == 400
        assert answer.json["errors"][0] == {
            "field": "body.code",
            "message": "enter the 6 digits your app shows",
        }

    def test_it_needs_a_session(self, new_browser: Any) -> None:
        assert new_browser().post("/api/web/profile/two-factor/enrolment").status_code == 401


class TestLogin:
    def test_the_password_alone_opens_no_session_and_the_code_does(
        self, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        browser = new_browser()
        first = password_step(browser, enrolled)
        assert first.status_code == 200
        assert first.json == {"two_factor_required": True, "csrf_token": browser.csrf}
        assert browser.refresh()["user"] is None
        assert browser.get("/api/web/profile").status_code == 401
        assert "runnerly_device" not in str(first.headers.getlist("Set-Cookie"))
        done = browser.post("/api/web/login/two-factor", json={"code": code(enrolled["secret"], 1)})
        assert done.status_code == 200, done.json
        assert done.json["user"]["id"] == enrolled["id"]
        assert "runnerly_device=" in str(done.headers.getlist("Set-Cookie"))
        assert browser.get("/api/web/profile").json["id"] == enrolled["id"]

    def test_a_wrong_code_opens_no_session(
        self, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        browser = new_browser()
        password_step(browser, enrolled)
        good = {code(enrolled["secret"], k) for k in (-1, 0, 1)}
        wrong = next(c for c in ("111111", "222222", "333333", "444444") if c not in good)
        answer = browser.post("/api/web/login/two-factor", json={"code": wrong})
        assert answer.status_code == 401 and answer.json["code"] == "invalid_code"
        assert "not right" in answer.json["message"]
        assert browser.refresh()["user"] is None

    def test_a_code_is_good_once(self, enrolled: dict[str, Any], new_browser: Any) -> None:
        used = code(enrolled["secret"], 1)
        first = new_browser()
        password_step(first, enrolled)
        assert first.post("/api/web/login/two-factor", json={"code": used}).status_code == 200
        second = new_browser()
        password_step(second, enrolled)
        replay = second.post("/api/web/login/two-factor", json={"code": used})
        assert replay.status_code == 401 and replay.json["code"] == "invalid_code"

    def test_a_recovery_code_logs_in_once(self, enrolled: dict[str, Any], new_browser: Any) -> None:
        spare = enrolled["recovery_codes"][0]
        first = new_browser()
        password_step(first, enrolled)
        done = first.post("/api/web/login/two-factor", json={"recovery_code": spare.upper()})
        assert done.status_code == 200 and done.json["user"]["id"] == enrolled["id"]
        second = new_browser()
        password_step(second, enrolled)
        again = second.post("/api/web/login/two-factor", json={"recovery_code": spare})
        assert again.status_code == 401
        assert again.json["errors"][0]["field"] == "body.recovery_code"

    def test_the_pending_login_belongs_to_its_browser(
        self, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        password_step(new_browser(), enrolled)
        other = new_browser()
        answer = other.post("/api/web/login/two-factor", json={"code": code(enrolled["secret"], 1)})
        assert answer.status_code == 401 and answer.json["code"] == "two_factor_expired"
        assert other.refresh()["user"] is None

    def test_a_completed_login_cannot_be_completed_again(
        self, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        browser = new_browser()
        password_step(browser, enrolled)
        assert (
            browser.post(
                "/api/web/login/two-factor", json={"code": code(enrolled["secret"], 1)}
            ).status_code
            == 200
        )
        spare = {"recovery_code": enrolled["recovery_codes"][1]}
        again = browser.post("/api/web/login/two-factor", json=spare)
        assert again.status_code == 401 and again.json["code"] == "two_factor_expired"


def _app(request: pytest.FixtureRequest, tmp_path: Path, **limits: Any) -> Flask:
    services = [request.getfixturevalue(n) for n in ("tokendealer", "dataservice", "sim")]
    return make_app(web_settings(*services, tmp_path, **limits))


def test_wrong_codes_are_throttled_apart_from_passwords(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=3, login_max_per_address=100)
    owner = Browser(app.test_client())
    runner = owner.sign_up()
    secret, _ = enrol(owner)
    good = {code(secret, k) for k in (-1, 0, 1)}
    wrong = [c for c in ("111111", "222222", "333333", "444444", "555555") if c not in good][:3]
    attacker = Browser(app.test_client())
    for guess in wrong:
        assert password_step(attacker, runner).json["two_factor_required"] is True
        assert attacker.post("/api/web/login/two-factor", json={"code": guess}).status_code == 401
    # The password still passes (its counter is its own); the right code is held up.
    assert password_step(attacker, runner).status_code == 200
    held = attacker.post("/api/web/login/two-factor", json={"code": code(secret, 1)})
    assert held.status_code == 429 and held.json["code"] == "too_many_attempts"
    assert 1 <= int(held.headers["Retry-After"]) <= 900
    assert attacker.refresh()["user"] is None
    # The owner's own browser (a known device) is not held up by the attacker's guesses.
    assert owner.post("/api/web/logout").status_code == 200
    assert password_step(owner, runner).status_code == 200
    back = owner.post("/api/web/login/two-factor", json={"code": code(secret, 1)})
    assert back.status_code == 200, back.json


def test_a_pending_login_expires(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    app = _app(request, tmp_path)
    app.extensions["runnerly_web.two_factor_pending"] = SQLitePendingLogins(
        str(tmp_path / "pending.db"), seconds=1
    )
    browser = Browser(app.test_client())
    runner = browser.sign_up()
    secret, _ = enrol(browser)
    assert browser.post("/api/web/logout").status_code == 200
    assert password_step(browser, runner).json["two_factor_required"] is True
    time.sleep(1.2)
    late = browser.post("/api/web/login/two-factor", json={"code": code(secret, 1)})
    assert late.status_code == 401 and late.json["code"] == "two_factor_expired"
    assert "enter your email and password again" in late.json["message"]


class TestTurningItOff:
    def test_the_password_and_a_code_turn_it_off(
        self, browser: Browser, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        wrong = browser.post(
            "/api/web/profile/two-factor/disable",
            json={"password": "not my password at all", "code": code(enrolled["secret"], 1)},
        )
        assert wrong.status_code == 401 and wrong.json["errors"][0]["field"] == "body.password"
        assert browser.get("/api/web/profile/two-factor").json["enabled"] is True
        done = browser.post(
            "/api/web/profile/two-factor/disable",
            json={"password": enrolled["password"], "code": code(enrolled["secret"], 1)},
        )
        assert done.status_code == 200 and done.json["enabled"] is False
        later = new_browser()
        assert password_step(later, enrolled).json["user"]["id"] == enrolled["id"]

    def test_new_recovery_codes_replace_the_old(
        self, browser: Browser, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        answer = browser.post(
            "/api/web/profile/two-factor/recovery-codes", json={"code": code(enrolled["secret"], 1)}
        )
        assert answer.status_code == 200
        fresh = answer.json["recovery_codes"]
        old = new_browser()
        password_step(old, enrolled)
        stale = {"recovery_code": enrolled["recovery_codes"][0]}
        assert old.post("/api/web/login/two-factor", json=stale).status_code == 401
        assert (
            old.post("/api/web/login/two-factor", json={"recovery_code": fresh[0]}).status_code
            == 200
        )


class TestAdministratorReset:
    def test_a_runner_cannot_reset_anyone(self, browser: Browser, enrolled: dict) -> None:
        answer = browser.post(f"/api/web/admin/users/{enrolled['id']}/two-factor/reset")
        assert answer.status_code == 403
        assert browser.get("/api/web/profile/two-factor").json["enabled"] is True

    def test_after_a_reset_the_password_alone_logs_in(
        self, admin: Browser, enrolled: dict[str, Any], new_browser: Any
    ) -> None:
        answer = admin.post(f"/api/web/admin/users/{enrolled['id']}/two-factor/reset")
        assert answer.status_code == 200, answer.json
        assert answer.json["was_enabled"] is True
        later = new_browser()
        assert password_step(later, enrolled).json["user"]["id"] == enrolled["id"]
        missing = admin.post("/api/web/admin/users/987654/two-factor/reset")
        assert missing.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"code": 123456},
        {"code": "12345\u0000"},
        {"recovery_code": "abcde\u0000fghjk"},
        {"recovery_code": "x" * 65},
        {"code": "123456", "recovery_code": "abcde-fghjk"},
        {},
        [1, 2],
    ],
)
def test_a_bad_second_factor_is_a_4xx_never_a_500(
    enrolled: dict[str, Any], new_browser: Any, body: Any
) -> None:
    browser = new_browser()
    password_step(browser, enrolled)
    answer = browser.post("/api/web/login/two-factor", json=body)
    assert 400 <= answer.status_code < 500 and answer.is_json, answer.data[:200]
    assert browser.refresh()["user"] is None
