"""Login throttling per account and per address, on SQLite (the default) and Redis."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from runnerly_web.throttle import LoginThrottle, RedisCounter, SQLiteCounter

from .conftest import make_app, web_settings
from .helpers import Browser


def _app(request: pytest.FixtureRequest, tmp_path: Path, **limits: Any) -> Flask:
    names = ("tokendealer", "dataservice", "sim")
    services = [request.getfixturevalue(n) for n in names]
    return make_app(web_settings(*services, tmp_path, **limits))


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=3, login_max_per_address=100)
    runner = Browser(app.test_client()).sign_up()
    attacker = Browser(app.test_client())
    for _ in range(3):
        bad = {"email": runner["email"], "password": "guess guess guess"}
        assert attacker.post("/api/web/login", json=bad).status_code == 401
    good = {"email": runner["email"], "password": runner["password"]}
    locked = attacker.post("/api/web/login", json=good)
    assert locked.status_code == 429 and locked.json["code"] == "too_many_attempts"
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    # Another account from another address is not held up.
    other = Browser(app.test_client()).sign_up()
    elsewhere = Browser(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    body = {"email": other["email"], "password": other["password"]}
    assert elsewhere.post("/api/web/login", json=body).status_code == 200


def test_one_address_trying_many_accounts_is_held_up(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=100, login_max_per_address=4)
    sprayer = Browser(app.test_client())
    sprayer.client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    for i in range(4):
        body = {"email": f"victim{i}-{uuid.uuid4().hex[:6]}@example.org", "password": "x" * 12}
        assert sprayer.post("/api/web/login", json=body).status_code == 401
    body = {"email": "another@example.org", "password": "x" * 12}
    assert sprayer.post("/api/web/login", json=body).status_code == 429
    # The same runner from their own address still gets in.
    runner = Browser(app.test_client()).sign_up()
    home = Browser(app.test_client())
    ok = {"email": runner["email"], "password": runner["password"]}
    assert home.post("/api/web/login", json=ok).status_code == 200


def test_success_clears_the_account_counter(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    app = _app(request, tmp_path, login_max_per_account=2, login_max_per_address=100)
    runner = Browser(app.test_client()).sign_up()
    someone = Browser(app.test_client())
    good = {"email": runner["email"], "password": runner["password"]}
    bad = {"email": runner["email"], "password": "wrong wrong wrong"}
    assert someone.post("/api/web/login", json=bad).status_code == 401
    assert someone.post("/api/web/login", json=good).status_code == 200
    assert someone.post("/api/web/login", json=bad).status_code == 401
    assert someone.post("/api/web/login", json=good).status_code == 200


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_counters_are_shared_between_processes_stores(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two throttles on one store (two gunicorn workers) see each other's failures."""
    if store == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex}:"
        make = lambda: RedisCounter(url, prefix=prefix)  # noqa: E731
    else:
        make = lambda: SQLiteCounter(str(tmp_path / "t.db"))  # noqa: E731
    first = LoginThrottle(make(), window=60, per_account=3, per_address=100)
    second = LoginThrottle(make(), window=60, per_account=3, per_address=100)
    first.failed("a@example.org", "1.1.1.1")
    second.failed("A@example.org", "2.2.2.2")
    assert first.retry_after("a@example.org", "3.3.3.3") == 0
    first.failed("a@example.org", "4.4.4.4")
    wait = second.retry_after("a@example.org", "5.5.5.5")
    assert 1 <= wait <= 61
    second.succeeded("a@example.org")
    assert first.retry_after("a@example.org", "5.5.5.5") == 0
