"""runnerly-web against the real thing: tokendealer, dataservice and strava-sim processes
(started once per session, as the strava-worker's integration tests do), with the web app
itself in-process behind Flask's test client.  The suite's own config/clients.toml
registers runnerly-web, so the scopes tested are the ones deployed.  Redis (the throttle's
shared store, the broker a first sync is enqueued on) is RUNNERLY_TEST_REDIS_URL or the
local one; without it those tests skip, except in CI where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from cryptography.fernet import Fernet
from flask import Flask

from runnerly_common.testing import (
    ServiceProcess,
    ServiceUnavailable,
    free_port,
    skip_or_fail,
    temporary_postgres_database,
)
from runnerly_web.app import create_app
from runnerly_web.settings import WebSettings
from runnerly_web.strava.sync import SyncQueue

from .helpers import Browser

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SIM_SECRET = "sim-client-secret"
REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
REDIS_DB = f"{REDIS_URL}/9"  # this package's tests only


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


def _start_tokendealer(work: Path, dataservice_port: int) -> tuple[ServiceProcess, dict[str, str]]:
    """A tokendealer with the suite's clients, asking the dataservice that will listen on
    ``dataservice_port`` about runners (token exchange)."""
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "TOKENDEALER_PORT": str(port),
        # Two: one may wait on the dataservice while the other serves it the JWKS.
        "TOKENDEALER_WORKERS": "2",
        "TOKENDEALER_DATABASE_URL": f"sqlite:///{work}/td.db",
        "TOKENDEALER_LOG_LEVEL": "WARNING",
        "TOKENDEALER_DATASERVICE_URL": f"http://127.0.0.1:{dataservice_port}",
        # A deleted or disabled runner is refused at the next exchange, not 5 s later.
        "TOKENDEALER_RUNNER_CACHE_SECONDS": "0",
    }
    clients = ROOT / "config" / "clients.toml"
    subprocess.run(
        [str(BIN / "tokendealer"), "bootstrap", "--clients", str(clients), "--env-file", "c.env"],
        env=env,
        check=True,
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    creds = _env_file(work / "c.env")
    base = f"http://127.0.0.1:{port}"
    server = ServiceProcess(
        [str(BIN / "tokendealer"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=work / "tokendealer.log",
        env=env,
        cwd=work,
    )
    return server, {
        "url": base,
        "client_id": creds["RUNNERLY_WEB_CLIENT_ID"],
        "client_secret": creds["RUNNERLY_WEB_CLIENT_SECRET"],
        "dataservice_port": str(dataservice_port),
    }


@pytest.fixture(scope="session")
def tokendealer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    server, info = _start_tokendealer(tmp_path_factory.mktemp("tokendealer"), free_port())
    with server:
        yield info


def _start_dataservice(
    tokendealer: dict[str, str], work: Path, database_url: str
) -> tuple[ServiceProcess, dict[str, Any]]:
    port = int(tokendealer["dataservice_port"])  # where the tokendealer asks about runners
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "DATASERVICE_DATABASE_URL": database_url,
        "DATASERVICE_JWKS_URL": f"{tokendealer['url']}/.well-known/jwks.json",
        "DATASERVICE_STRAVA_TOKEN_KEYS": Fernet.generate_key().decode(),
        "DATASERVICE_PORT": str(port),
        "DATASERVICE_WORKERS": "2",
        "DATASERVICE_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [str(BIN / "dataservice"), "migrate"],
        env=env,
        check=True,
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    server = ServiceProcess(
        [str(BIN / "dataservice"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=work / "dataservice.log",
        env=env,
        cwd=work,
    )
    return server, {"url": base, "env": env, "cwd": work}


@pytest.fixture(scope="session")
def dataservice(
    tokendealer: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("dataservice")
    server, info = _start_dataservice(tokendealer, work, f"sqlite:///{work}/ds.db")
    with server:
        yield info
        assert not server.errors_in_log(), server.log()


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("sim")
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "STRAVA_SIM_PORT": str(port),
        "STRAVA_SIM_WORKERS": "1",
        "STRAVA_SIM_CLIENT_SECRET": SIM_SECRET,
        "STRAVA_SIM_ATHLETES": "18",
        "STRAVA_SIM_DATABASE_URL": f"sqlite:///{work}/sim.db",
        "STRAVA_SIM_LOG_LEVEL": "WARNING",
    }
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "strava-sim"), "serve"],
        ready_url=f"{base}/admin/athletes",
        log_path=work / "sim.log",
        env=env,
        cwd=work,
        timeout=120,
    ):
        yield base


def web_settings(
    tokendealer: dict[str, str], dataservice: dict[str, Any], sim: str, work: Path, **over: Any
) -> WebSettings:
    environ = {
        "RUNNERLY_ENV": "test",
        "RUNNERLY_WEB_SECRET_KEY": uuid.uuid4().hex,
        "RUNNERLY_WEB_DATASERVICE_URL": dataservice["url"],
        "RUNNERLY_WEB_TOKEN_URL": f"{tokendealer['url']}/oauth/token",
        "RUNNERLY_WEB_CLIENT_ID": tokendealer["client_id"],
        "RUNNERLY_WEB_CLIENT_SECRET": tokendealer["client_secret"],
        "RUNNERLY_WEB_STRAVA_OAUTH_URL": f"{sim}/oauth",
        "RUNNERLY_WEB_STRAVA_CLIENT_ID": "1000",
        "RUNNERLY_WEB_STRAVA_CLIENT_SECRET": SIM_SECRET,
        "RUNNERLY_WEB_THROTTLE_DB": str(work / f"throttle-{uuid.uuid4().hex[:6]}.db"),
        "RUNNERLY_WEB_FRONTEND_DIST": str(work / "no-build"),
    }
    return WebSettings.load(environ=environ, **over)


def make_app(settings: WebSettings) -> Flask:
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True  # every answer must match the spec
    return app


@pytest.fixture(scope="session")
def app(
    tokendealer: dict[str, str],
    dataservice: dict[str, Any],
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
def admin(dataservice: dict[str, Any], new_browser: Any) -> Browser:
    """A logged-in administrator (created with the dataservice's CLI, as an operator does)."""
    email = f"admin-{uuid.uuid4().hex[:8]}@example.org"
    password = f"admin {uuid.uuid4().hex} staple"
    out = subprocess.run(
        [str(BIN / "dataservice"), "ensure-user", email, "--password-env", "PW", "--admin"],
        env={**dataservice["env"], "PW": password},
        cwd=dataservice["cwd"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1])["created"]
    browser = new_browser()
    response = browser.post("/api/web/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return browser


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_DB, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_DB


@pytest.fixture
def app_with_broker(app: Flask, redis_url: str) -> Iterator[Flask]:
    """The app, queueing syncs on the test Redis (the session's app has no broker)."""
    queue = app.extensions["runnerly_web.sync"]
    app.extensions["runnerly_web.sync"] = SyncQueue(redis_url)
    yield app
    app.extensions["runnerly_web.sync"] = queue


@pytest.fixture(scope="session")
def postgres_dataservice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A dataservice on PostgreSQL with a tokendealer of its own (a tokendealer asks one
    dataservice about runners): ``["tokendealer"]`` is that tokendealer."""
    work = tmp_path_factory.mktemp("dataservice-pg")
    try:
        database = temporary_postgres_database("runnerly_web_test")
        url = database.__enter__()
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))
    try:
        dealer, own_tokendealer = _start_tokendealer(
            tmp_path_factory.mktemp("tokendealer-pg"), free_port()
        )
        with dealer:
            server, info = _start_dataservice(own_tokendealer, work, url)
            with server:
                yield {**info, "tokendealer": own_tokendealer}
                assert not server.errors_in_log(), server.log()
    finally:
        database.__exit__(None, None, None)
