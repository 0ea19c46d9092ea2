"""The account check behind every signed-in request (decision 74).

Every request of a session asks whether its account still exists, is enabled and is the one
the session was opened for. The dataservice's answer is kept in the session store for every
web process, so a runner clicking through the dashboard costs it one account read per
``account_check_seconds``, not one per request and process; what changes outside this app
(another admin client disabling the runner) still ends the session within that period.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from runnerly_common.testing.services import Dataservice, Tokendealer

from .conftest import make_app
from .helpers import Browser

ACCOUNT_ROUTE = "/api/v1/users/<user_id>"


def account_reads(dataservice: Dataservice) -> int:
    """``GET /api/v1/users/{id}`` the dataservice has answered so far (its own /metrics)."""
    text = requests.get(f"{dataservice.url}/metrics", timeout=10).text
    return round(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "runnerly_http_request_duration_seconds"
            for sample in family.samples
            if sample.name.endswith("_count")
            and sample.labels.get("route") == ACCOUNT_ROUTE
            and sample.labels.get("method") == "GET"
        )
    )


@pytest.fixture(params=["sqlite", "redis"])
def twin_apps(request: pytest.FixtureRequest, app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances on one session store and secret: two web processes."""
    settings = app.extensions["runnerly.settings"]
    over: dict[str, Any] = {"throttle_db": str(settings.throttle_db) + f".{uuid.uuid4().hex[:6]}"}
    if request.param == "redis":
        over["redis_url"] = request.getfixturevalue("redis_url")
    shared = type(settings)(**{**settings.__dict__, **over})
    yield make_app(shared), make_app(shared)


def copy_on(browser: Browser, app: Flask) -> Browser:
    """The same browser session (its cookie) served by ``app``: the other web process."""
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    other = Browser(app.test_client())
    other.client.set_cookie("session", cookie.value)
    return other


def test_clicking_through_on_two_processes_reads_the_account_once(
    twin_apps: tuple[Flask, Flask], dataservice: Dataservice
) -> None:
    first, second = twin_apps
    browser = Browser(first.test_client())
    browser.sign_up()
    other = copy_on(browser, second)
    # The dashboard opens with the session: the account is read fresh for its answer, on
    # each process (which also gets each process its runner token).
    assert browser.refresh()["user"] is not None
    assert other.refresh()["user"] is not None

    before = account_reads(dataservice)
    for client in (browser, other, browser, other):
        assert client.get("/api/web/races").status_code == 200
        assert client.get("/api/web/profile").status_code == 200
    # The profile reads the account for its answer, as the session does; the checks in
    # front of both routes read nothing more.
    assert account_reads(dataservice) - before == 4


@pytest.fixture
def quick_twins(app: Flask) -> tuple[Flask, Flask]:
    """Two processes on one SQLite session store, whose account check holds 1 s."""
    settings = app.extensions["runnerly.settings"]
    over = {
        "throttle_db": str(settings.throttle_db) + f".{uuid.uuid4().hex[:6]}",
        "account_check_seconds": 1,
    }
    shared = type(settings)(**{**settings.__dict__, **over})
    return make_app(shared), make_app(shared)


def _admin_token(tokendealer: Tokendealer, admin: Browser, scope: str) -> str:
    admin_id = str(admin.refresh()["user"]["id"])
    answer = requests.post(
        tokendealer.token_url,
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": admin_id,
            "subject_token_type": RUNNER_ID_TOKEN_TYPE,
            "audience": "dataservice",
            "scope": scope,
        },
        auth=tokendealer.client("RUNNERLY_WEB_CLIENT"),
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def test_a_runner_disabled_outside_this_app_is_signed_out_within_the_check(
    quick_twins: tuple[Flask, Flask],
    tokendealer: Tokendealer,
    dataservice: Dataservice,
    admin: Browser,
) -> None:
    first, second = quick_twins
    browser = Browser(first.test_client())
    runner = browser.sign_up()
    other = copy_on(browser, second)
    assert other.get("/api/web/races").status_code == 200  # checked, and kept for both

    # Another admin client of the dataservice, not this app: no session is ended for it.
    token = _admin_token(tokendealer, admin, "users:read users:write admin")
    disabled = requests.patch(
        f"{dataservice.api}/users/{runner['id']}",
        json={"disabled": True},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert disabled.status_code == 200, disabled.text

    time.sleep(1.2)  # the check's period (1 s here) is over
    for client in (browser, other):
        ended = client.get("/api/web/races")
        assert ended.status_code == 401
        assert ended.json["code"] == "not_authenticated"
        assert client.refresh()["user"] is None
