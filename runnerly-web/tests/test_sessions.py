"""Sessions end when the runner says so (issue 14, section 3).

A copy of the session cookie (another tab's, a stolen one) is tried after the runner logs
out, logs out everywhere, changes their password or is disabled, on the same app and on a
second app instance sharing the store, as a second gunicorn worker or web container does.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from runnerly_common.testing.services import Dataservice, Tokendealer, start_web

from .conftest import make_app
from .helpers import GOOD_PASSWORD, Browser, fields_of

NEW_PASSWORD = "marble otter 77 lantern"
DAY = 24 * 3600
ABSOLUTE_DAYS = 30  # RUNNERLY_WEB_SESSION_MAX_DAYS's documented default (idle: 14)


def copy_of(browser: Browser, app: Flask) -> Browser:
    """Another browser on ``app`` holding a copy of ``browser``'s session cookie."""
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief = Browser(app.test_client())
    thief.client.set_cookie("session", cookie.value)
    thief.refresh()  # the copy's CSRF token, as a script with the cookie would read it
    return thief


@pytest.fixture(params=["sqlite", "redis"])
def twin_apps(request: pytest.FixtureRequest, app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on one session store and secret: two web processes."""
    settings = app.extensions["runnerly.settings"]
    over: dict[str, Any] = {"throttle_db": str(settings.throttle_db) + f".{uuid.uuid4().hex[:6]}"}
    if request.param == "redis":
        over["redis_url"] = request.getfixturevalue("redis_url")
    shared = type(settings)(**{**settings.__dict__, **over})
    first, second = make_app(shared), make_app(shared)
    yield first, second


def test_a_cookie_copied_before_logout_is_refused_after_it(
    browser: Browser, runner: dict[str, Any]
) -> None:
    app = browser.client.application
    copy = copy_of(browser, app)
    assert copy.get("/api/web/profile").status_code == 200
    assert browser.post("/api/web/logout").status_code == 200
    assert copy.get("/api/web/profile").status_code == 401
    assert copy.refresh()["user"] is None
    # Using the copy does not revive it either.
    assert copy.get("/api/web/races").status_code == 401


def test_logout_on_one_process_ends_the_copy_on_another(
    twin_apps: tuple[Flask, Flask],
) -> None:
    first, second = twin_apps
    browser = Browser(first.test_client())
    browser.sign_up()
    copy = copy_of(browser, second)
    # The second process has seen the session and trusts it (and would cache that).
    assert copy.get("/api/web/profile").status_code == 200
    assert browser.post("/api/web/logout").status_code == 200
    assert copy.get("/api/web/profile").status_code == 401
    assert copy.refresh()["user"] is None


@pytest.fixture
def server_process(app: Flask, tokendealer: Tokendealer, sim: str, tmp_path: Path) -> Iterator[str]:
    """``runnerly-web serve`` (gunicorn, two workers) on the in-process app's settings,
    secret and session store: other processes, as in production."""
    settings = app.extensions["runnerly.settings"]
    web = start_web(
        tmp_path,
        dataservice_url=settings.dataservice_url,
        tokendealer=tokendealer,
        strava_url=sim,
        secret_key=settings.secret_key,
        throttle_db=settings.throttle_db,
        frontend_dist=settings.frontend_dist,
    )
    try:
        yield web.url
    finally:
        web.process.stop()


def test_logout_ends_the_copy_in_other_server_processes(
    browser: Browser, runner: dict[str, Any], server_process: str
) -> None:
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief = requests.Session()
    thief.cookies.set("session", cookie.value)
    # Several requests: both gunicorn workers see (and would cache) the session.
    for _ in range(4):
        assert thief.get(f"{server_process}/api/web/profile").status_code == 200
    assert browser.post("/api/web/logout").status_code == 200
    for _ in range(4):
        thief.cookies.set("session", cookie.value)  # the copy as it was, not as re-issued
        refused = thief.get(f"{server_process}/api/web/profile")
        assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"


def test_log_out_everywhere_ends_every_session_of_the_account(
    twin_apps: tuple[Flask, Flask],
) -> None:
    first, second = twin_apps
    laptop = Browser(first.test_client())
    runner = laptop.sign_up()
    phone = Browser(second.test_client())
    login = {"email": runner["email"], "password": runner["password"]}
    assert phone.post("/api/web/login", json=login).status_code == 200
    copy = copy_of(phone, second)
    assert copy.get("/api/web/profile").status_code == 200

    ended = laptop.post("/api/web/logout-everywhere")
    assert ended.status_code == 200 and ended.json["user"] is None
    for device in (laptop, phone, copy):
        assert device.get("/api/web/profile").status_code == 401
    # The runner can log in again afterwards (with the anonymous session's CSRF token).
    assert phone.refresh()["user"] is None
    assert phone.post("/api/web/login", json=login).status_code == 200
    assert phone.get("/api/web/profile").status_code == 200


def test_logging_in_again_ends_the_session_it_replaces(
    browser: Browser, runner: dict[str, Any]
) -> None:
    copy = copy_of(browser, browser.client.application)
    login = {"email": runner["email"], "password": runner["password"]}
    assert browser.post("/api/web/login", json=login).status_code == 200
    assert browser.get("/api/web/profile").status_code == 200
    assert copy.get("/api/web/profile").status_code == 401


def test_log_out_everywhere_needs_a_session(new_browser: Any) -> None:
    assert new_browser().post("/api/web/logout-everywhere").status_code == 401


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    twin_apps: tuple[Flask, Flask],
) -> None:
    first, second = twin_apps
    browser = Browser(first.test_client())
    runner = browser.sign_up()
    elsewhere = Browser(second.test_client())
    login = {"email": runner["email"], "password": runner["password"]}
    assert elsewhere.post("/api/web/login", json=login).status_code == 200
    copy = copy_of(browser, second)
    assert copy.get("/api/web/profile").status_code == 200

    body = {"current_password": runner["password"], "new_password": NEW_PASSWORD}
    changed = browser.post("/api/web/profile/password", json=body)
    assert changed.status_code == 200, changed.json
    assert changed.json["user"]["id"] == runner["id"]
    # This browser goes on (a renewed session); every other copy has ended.
    assert browser.get("/api/web/profile").status_code == 200
    assert elsewhere.get("/api/web/profile").status_code == 401
    assert copy.get("/api/web/profile").status_code == 401
    # Only the new password opens the account now.
    assert Browser(second.test_client()).post("/api/web/login", json=login).status_code == 401
    new_login = {"email": runner["email"], "password": NEW_PASSWORD}
    assert Browser(second.test_client()).post("/api/web/login", json=new_login).status_code == 200


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(
    browser: Browser, runner: dict[str, Any]
) -> None:
    wrong = browser.post(
        "/api/web/profile/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401 and fields_of(wrong) == {"body.current_password"}
    weak = browser.post(
        "/api/web/profile/password",
        json={"current_password": runner["password"], "new_password": "password123"},
    )
    assert weak.status_code == 422 and fields_of(weak) == {"body.new_password"}
    same = browser.post(
        "/api/web/profile/password",
        json={"current_password": runner["password"], "new_password": runner["password"]},
    )
    assert same.status_code == 422 and fields_of(same) == {"body.new_password"}
    # Nothing changed: the old password still logs in.
    login = {"email": runner["email"], "password": GOOD_PASSWORD}
    other = Browser(browser.client.application.test_client())
    assert other.post("/api/web/login", json=login).status_code == 200
    anonymous = Browser(browser.client.application.test_client())
    body = {"current_password": GOOD_PASSWORD, "new_password": NEW_PASSWORD}
    assert anonymous.post("/api/web/profile/password", json=body).status_code == 401


def test_disabling_an_account_ends_its_sessions_on_every_process_at_once(
    twin_apps: tuple[Flask, Flask], dataservice: Dataservice
) -> None:
    first, second = twin_apps
    # An administrator made the operator's way, as conftest's ``admin`` is.
    email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
    password = f"admin {uuid.uuid4().hex} staple"
    dataservice.ensure_user(email, password, admin=True)
    admin = Browser(first.test_client())
    assert admin.post("/api/web/login", json={"email": email, "password": password}).json["user"]
    runner_browser = Browser(first.test_client())
    runner = runner_browser.sign_up()
    copy = copy_of(runner_browser, second)
    assert copy.get("/api/web/profile").status_code == 200  # warm on the second process

    disabled = admin.patch(f"/api/web/admin/users/{runner['id']}", json={"disabled": True})
    assert disabled.status_code == 200, json.dumps(disabled.json)
    assert copy.get("/api/web/races").status_code == 401
    assert runner_browser.get("/api/web/races").status_code == 401


def test_a_session_older_than_the_absolute_lifetime_is_refused_even_in_constant_use(
    browser: Browser, runner: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_time = time.time
    # Used once a day, every day: the idle limit never bites, the absolute one must.
    for day in range(1, ABSOLUTE_DAYS + 2):
        monkeypatch.setattr(time, "time", lambda day=day: real_time() + day * DAY)
        status = browser.get("/api/web/profile").status_code
        if day < ABSOLUTE_DAYS:
            assert status == 200, f"day {day}"
        else:
            assert status == 401, f"day {day}: the session outlived its absolute lifetime"
            break
    assert browser.refresh()["user"] is None
