"""Sign-up, login, logout, CSRF, profile and deletion, against a live dataservice."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from .helpers import GOOD_PASSWORD, Browser, fields_of


def test_sign_up_logs_in_and_the_session_names_the_runner(browser: Browser) -> None:
    runner = browser.sign_up(first_name="Grete", last_name="Waitz", units="imperial")
    session = browser.refresh()
    assert session["user"]["id"] == runner["id"]
    assert session["user"]["first_name"] == "Grete"
    assert session["user"]["units"] == "imperial"
    assert session["strava"] is None
    assert "password" not in session["user"] and "has_password" not in session["user"]


def test_session_cookie_is_httponly_and_lax(browser: Browser) -> None:
    response = browser.post(
        "/api/web/signup",
        json={"email": f"c-{uuid.uuid4().hex[:8]}@example.org", "password": GOOD_PASSWORD},
    )
    cookies = {c.partition("=")[0]: c for c in response.headers.getlist("Set-Cookie")}
    cookie = cookies["session"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # test mode, no TLS: a Secure cookie would never come back
    # The known-device cookie (throttle.py) goes to the API only, never cross-site.
    device = cookies["runnerly_device"]
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Path=/api/web/" in device


def test_secure_cookie_when_configured(app: Flask) -> None:
    from .conftest import make_app

    settings = app.extensions["runnerly.settings"]
    secure = make_app(type(settings)(**{**settings.__dict__, "secure_cookies": True}))
    response = secure.test_client().get("/api/web/session")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1!", "at least 10"),
        ("password123", "guess"),
        ("qwertyuiop", "guess"),
    ],
)
def test_weak_passwords_are_refused_beside_the_password_field(
    browser: Browser, password: str, why: str
) -> None:
    email = f"w-{uuid.uuid4().hex[:8]}@example.org"
    response = browser.post("/api/web/signup", json={"email": email, "password": password})
    assert response.status_code in (400, 422)
    assert fields_of(response) == {"body.password"}
    assert why in response.json["errors"][0]["message"]
    assert browser.refresh()["user"] is None


def test_password_equal_to_the_email_is_refused(browser: Browser) -> None:
    email = f"same-{uuid.uuid4().hex[:8]}@example.org"
    response = browser.post("/api/web/signup", json={"email": email, "password": email})
    assert response.status_code == 422
    assert "email" in response.json["errors"][0]["message"]


def test_a_taken_email_is_a_409_beside_the_email_field(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    other = new_browser()
    response = other.post(
        "/api/web/signup", json={"email": runner["email"].upper(), "password": GOOD_PASSWORD}
    )
    assert response.status_code == 409
    assert fields_of(response) == {"body.email"}


def test_bad_email_is_named(browser: Browser) -> None:
    response = browser.post("/api/web/signup", json={"email": "nope", "password": GOOD_PASSWORD})
    assert response.status_code == 400
    assert "body.email" in fields_of(response)


def test_login_logout_round_trip(new_browser: Any, runner: dict[str, Any]) -> None:
    other = new_browser()
    wrong = other.post("/api/web/login", json={"email": runner["email"], "password": "nope" * 3})
    assert wrong.status_code == 401 and wrong.json["code"] == "invalid_credentials"
    assert other.get("/api/web/profile").status_code == 401

    ok = other.post(
        "/api/web/login", json={"email": runner["email"], "password": runner["password"]}
    )
    assert ok.status_code == 200 and ok.json["user"]["id"] == runner["id"]
    assert other.get("/api/web/profile").json["email"] == runner["email"]

    out = other.post("/api/web/logout")
    assert out.status_code == 200 and out.json["user"] is None
    assert other.get("/api/web/profile").status_code == 401


def test_state_changes_without_the_csrf_token_are_refused(
    browser: Browser, runner: dict[str, Any]
) -> None:
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = browser.client.patch(
            "/api/web/profile", json={"first_name": "Mallory"}, headers=headers
        )
        assert response.status_code == 403 and response.json["code"] == "csrf_failed"
    assert browser.get("/api/web/profile").json["first_name"] == "Ada"
    # The token changes at login: the one from before no longer works.
    before = browser.csrf
    browser.post("/api/web/logout")
    response = browser.client.post(
        "/api/web/login",
        json={"email": runner["email"], "password": runner["password"]},
        headers={"X-CSRF-Token": before},
    )
    assert response.status_code == 403


def test_login_without_csrf_token_is_refused(new_browser: Any, runner: dict[str, Any]) -> None:
    client = new_browser().client
    response = client.post(
        "/api/web/login", json={"email": runner["email"], "password": runner["password"]}
    )
    assert response.status_code == 403


def test_profile_edit_and_its_field_errors(browser: Browser, runner: dict[str, Any]) -> None:
    changed = browser.patch(
        "/api/web/profile",
        json={"age": 41, "weight": 61.5, "max_hr": 188, "rest_hr": 44, "vo2max": 58.2},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["max_hr"] == 188 and changed.json["weight"] == 61.5
    switched = browser.patch("/api/web/profile", json={"units": "imperial"})
    assert switched.json["units"] == "imperial"
    assert browser.get("/api/web/profile").json["vo2max"] == 58.2

    bad = browser.patch(
        "/api/web/profile", json={"age": 300, "max_hr": "fast", "units": "furlongs"}
    )
    assert bad.status_code == 400
    assert fields_of(bad) == {"body.age", "body.max_hr", "body.units"}
    assert browser.patch("/api/web/profile", json={}).status_code == 400
    unknown = browser.patch("/api/web/profile", json={"is_admin": True})
    assert unknown.status_code == 400 and fields_of(unknown) == {"body.is_admin"}
    assert browser.get("/api/web/profile").json["is_admin"] is False


def test_account_deletion_needs_the_password_and_removes_everything(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    race = browser.post(
        "/api/web/races", json={"name": "Spring 10k", "date": "2031-04-06", "distance": 10000}
    )
    assert race.status_code == 201
    wrong = browser.delete("/api/web/profile", json={"password": "not my password"})
    assert wrong.status_code == 401 and fields_of(wrong) == {"body.password"}
    assert browser.get("/api/web/races").json["items"]

    gone = browser.delete("/api/web/profile", json={"password": runner["password"]})
    assert gone.status_code == 204
    assert browser.refresh()["user"] is None
    again = new_browser().post(
        "/api/web/login", json={"email": runner["email"], "password": runner["password"]}
    )
    assert again.status_code == 401
    # The address is free again: the account is gone, not hidden.
    fresh = new_browser()
    fresh.sign_up(email=runner["email"])
    assert fresh.get("/api/web/races").json["items"] == []


def test_a_session_copied_before_deletion_never_reaches_a_later_account(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    """Logging out on one device cannot erase the cookie on another; deleting the account
    must still end that other session, even when a new account gets the same id."""
    other_device = new_browser()
    login = {"email": runner["email"], "password": runner["password"]}
    assert other_device.post("/api/web/login", json=login).status_code == 200
    assert (
        browser.delete("/api/web/profile", json={"password": runner["password"]}).status_code == 204
    )
    newcomer = new_browser()
    newcomer.sign_up()
    newcomer.post(
        "/api/web/races", json={"name": "Private", "date": "2031-05-01", "distance": 5000}
    )
    assert other_device.get("/api/web/races").status_code == 401
    assert other_device.refresh()["user"] is None


def test_a_profile_read_on_another_device_after_deletion_is_401(
    browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    """The other device's session was checked a moment ago (the check is cached for a few
    seconds): its next profile read still finds the account gone and ends the session."""
    other_device = new_browser()
    login = {"email": runner["email"], "password": runner["password"]}
    assert other_device.post("/api/web/login", json=login).status_code == 200
    assert other_device.get("/api/web/profile").status_code == 200
    assert (
        browser.delete("/api/web/profile", json={"password": runner["password"]}).status_code == 204
    )
    read = other_device.get("/api/web/profile")
    assert read.status_code == 401 and read.json["code"] == "not_authenticated", read.json
    assert other_device.refresh()["user"] is None
