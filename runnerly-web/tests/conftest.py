"""runnerly-web against the real thing: tokendealer, dataservice and strava-sim processes
(the harness's starters, once per session), with the web app itself in-process behind
Flask's test client.  The repository's config/clients.toml registers runnerly-web, so the
scopes tested are the ones deployed.  Redis (the throttle's shared store, the broker a
first sync is enqueued on) is RUNNERLY_TEST_REDIS_URL or the local one (the harness's
``shared_redis``); without it those tests skip, except in CI where they fail.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from runnerly_common.testing import free_port
from runnerly_common.testing.services import (
    SIM_SECRET,
    Dataservice,
    Tokendealer,
    start_dataservice,
    start_strava_sim,
    start_tokendealer,
    web_environ,
)
from runnerly_web.app import create_app
from runnerly_web.settings import WebSettings
from runnerly_web.strava.sync import SyncQueue

from .helpers import Browser

__all__ = ["SIM_SECRET"]  # the tests' strava-sim client secret, imported from here


def _start_tokendealer(work: Path) -> Tokendealer:
    """A tokendealer with the repository's clients (the scopes tested are the ones
    deployed), asking the dataservice that will listen on a port chosen now about runners
    (token exchange): :func:`_start_dataservice` serves there."""
    return start_tokendealer(
        work,
        dataservice_url=f"http://127.0.0.1:{free_port()}",
        # A deleted or disabled runner is refused at the next exchange, not 5 s later.
        runner_cache_seconds=0,
    )


@pytest.fixture(scope="session")
def tokendealer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokendealer]:
    dealer = _start_tokendealer(tmp_path_factory.mktemp("tokendealer"))
    yield dealer
    dealer.process.stop()


def _start_dataservice(tokendealer: Tokendealer, work: Path, database_url: str) -> Dataservice:
    """The dataservice on the port ``tokendealer`` asks about runners."""
    port = int(tokendealer.env["TOKENDEALER_DATASERVICE_URL"].rpartition(":")[2])
    # Argon2's cheapest parameters: a sign-up's RFC 9106 hash is 0.19 s of CPU, most of a
    # test here (the dataservice's own tests check both; production refuses the cheapest).
    return start_dataservice(
        work,
        database_url=database_url,
        jwks_url=tokendealer.jwks_url,
        port=port,
        password_hash="cheapest",
    )


@pytest.fixture(scope="session")
def dataservice(
    tokendealer: Tokendealer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dataservice]:
    work = tmp_path_factory.mktemp("dataservice")
    server = _start_dataservice(tokendealer, work, f"sqlite:///{work}/ds.db")
    try:
        yield server
        assert not server.process.errors_in_log(), server.process.log()
    finally:
        server.process.stop()


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """strava-sim's URL."""
    server = start_strava_sim(tmp_path_factory.mktemp("sim"), athletes=18, workers=1)
    yield server.url
    server.process.stop()


def web_settings(
    tokendealer: Tokendealer, dataservice: Dataservice, sim: str, work: Path, **over: Any
) -> WebSettings:
    """runnerly-web's settings on these services (``over``: settings changed), for an app
    served in-process."""
    environ = web_environ(
        work, dataservice_url=dataservice.url, tokendealer=tokendealer, strava_url=sim
    )
    return WebSettings.load(environ=environ, **over)


def make_app(settings: WebSettings) -> Flask:
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True  # every answer must match the spec
    return app


@pytest.fixture(scope="session")
def app(
    tokendealer: Tokendealer,
    dataservice: Dataservice,
    sim: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    work = tmp_path_factory.mktemp("web")
    # Generous per-address limit: every test's browser comes from 127.0.0.1.
    return make_app(web_settings(tokendealer, dataservice, sim, work, login_max_per_address=10_000))


@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def new_browser(app: Flask) -> Any:
    return lambda: Browser(app.test_client())


@pytest.fixture
def runner(browser: Browser) -> dict[str, Any]:
    """A signed-up, logged-in runner in ``browser``."""
    return browser.sign_up()


@pytest.fixture
def admin(dataservice: Dataservice, new_browser: Any) -> Browser:
    """A logged-in administrator (created with the dataservice's CLI, as an operator does)."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
    password = f"admin {uuid.uuid4().hex} staple"
    out = dataservice.cli(
        "ensure-user", email, "--password-env", "PW", "--admin", env={"PW": password}
    )
    assert json.loads(out.strip().splitlines()[-1])["created"]
    browser = new_browser()
    response = browser.post("/api/web/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return browser


@pytest.fixture
def redis_url(shared_redis: Callable[[int], str]) -> str:
    return shared_redis(9)  # this package's tests only


@pytest.fixture
def app_with_broker(app: Flask, redis_url: str) -> Iterator[Flask]:
    """The app, queueing syncs on the test Redis (the session's app has no broker)."""
    queue = app.extensions["runnerly_web.sync"]
    app.extensions["runnerly_web.sync"] = SyncQueue(redis_url)
    yield app
    app.extensions["runnerly_web.sync"] = queue


@pytest.fixture(scope="session")
def postgres_dataservice(
    postgres_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Dataservice, Tokendealer]]:
    """A dataservice on PostgreSQL and a tokendealer of its own (a tokendealer asks one
    dataservice about runners)."""
    url = postgres_database("runnerly_web_test")
    dealer = _start_tokendealer(tmp_path_factory.mktemp("tokendealer-pg"))
    try:
        server = _start_dataservice(dealer, tmp_path_factory.mktemp("dataservice-pg"), url)
        try:
            yield server, dealer
            assert not server.process.errors_in_log(), server.process.log()
        finally:
            server.process.stop()
    finally:
        dealer.process.stop()
