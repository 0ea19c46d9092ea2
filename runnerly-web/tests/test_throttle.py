"""Password throttling (throttle.py): per account and per address for unknown browsers,
per device for a browser that logged in before, on SQLite (the default) and Redis; every
password check counts, not only logins."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from runnerly_web.throttle import LoginThrottle, RedisCounter, SQLiteCounter

from .conftest import make_app, web_settings
from .helpers import Browser
from .test_serving import SlowLink


def _app(request: pytest.FixtureRequest, tmp_path: Path, **limits: Any) -> Flask:
    names = ("tokendealer", "dataservice", "sim")
    services = [request.getfixturevalue(n) for n in names]
    return make_app(web_settings(*services, tmp_path, **limits))


def test_an_unknown_browser_is_held_up_after_repeated_failures_even_with_the_right_password(
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


def test_the_owners_known_device_logs_in_while_an_attacker_is_held_up(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Failures from elsewhere, however many, never keep the runner out of a browser they
    have logged in from before; the attacker gets a few guesses a window, then 429s."""
    app = _app(request, tmp_path, login_max_per_account=3, login_max_per_address=6)
    owner = Browser(app.test_client())
    runner = owner.sign_up()  # this browser is now a known device of the account
    assert owner.post("/api/web/logout").status_code == 200
    good = {"email": runner["email"], "password": runner["password"]}
    bad = {"email": runner["email"], "password": "guess guess guess"}
    statuses = []
    for n in range(12):
        attacker = Browser(app.test_client())  # a fresh browser, and a new address, each time
        attacker.client.environ_base["REMOTE_ADDR"] = f"10.66.0.{n % 2}"
        statuses.append(attacker.post("/api/web/login", json=bad).status_code)
    assert statuses[:3] == [401, 401, 401] and set(statuses[3:]) == {429}
    refused = Browser(app.test_client())
    refused.client.environ_base["REMOTE_ADDR"] = "10.66.0.9"
    held = refused.post("/api/web/login", json=good)
    assert held.status_code == 429 and held.json["code"] == "too_many_attempts"
    assert 1 <= int(held.headers["Retry-After"]) <= 900
    # The owner's browser, from their usual address, gets in at once.
    assert owner.post("/api/web/login", json=good).status_code == 200
    assert owner.get("/api/web/profile").json["id"] == runner["id"]


def test_a_stolen_device_cookie_buys_only_a_few_guesses(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=3, login_max_per_address=100)
    owner = Browser(app.test_client())
    runner = owner.sign_up()
    assert owner.post("/api/web/logout").status_code == 200
    bad = {"email": runner["email"], "password": "guess guess guess"}
    statuses = [owner.post("/api/web/login", json=bad).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # The cookie proves nothing for another account: it is an unknown browser there.
    other = Browser(app.test_client()).sign_up()
    other_bad = {"email": other["email"], "password": "guess guess guess"}
    assert owner.post("/api/web/login", json=other_bad).status_code == 401


def test_a_forged_device_cookie_is_an_unknown_browser(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=2, login_max_per_address=100)
    runner = Browser(app.test_client()).sign_up()
    attacker = Browser(app.test_client())
    attacker.client.set_cookie(
        "runnerly_device", "eyJhIjoiMSIsImQiOiJ4In0.forged", path="/api/web/"
    )
    bad = {"email": runner["email"], "password": "guess guess guess"}
    statuses = [attacker.post("/api/web/login", json=bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_account_deletion_with_a_wrong_password_counts_in_the_throttle(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A session (a stolen cookie, a shared computer) cannot guess the password through
    the deletion form without limit."""
    app = _app(request, tmp_path, login_max_per_account=3, login_max_per_address=100)
    owner = Browser(app.test_client())
    runner = owner.sign_up()
    thief = Browser(app.test_client())
    thief.client.set_cookie("session", owner.client.get_cookie("session").value)
    thief.refresh()
    guesses = [
        thief.delete("/api/web/profile", json={"password": f"guess {n} guess"}) for n in range(5)
    ]
    assert [g.status_code for g in guesses] == [401, 401, 401, 429, 429]
    assert guesses[-1].json["code"] == "too_many_attempts"
    assert 1 <= int(guesses[-1].headers["Retry-After"]) <= 900
    # The right password is held up too while the guesses count: the account stays.
    right = thief.delete("/api/web/profile", json={"password": runner["password"]})
    assert right.status_code == 429
    assert owner.get("/api/web/profile").status_code == 200


def test_password_change_with_a_wrong_password_counts_in_the_throttle(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    app = _app(request, tmp_path, login_max_per_account=2, login_max_per_address=100)
    browser = Browser(app.test_client())
    runner = browser.sign_up()
    body = {"current_password": "guess guess guess", "new_password": "marble otter 77 lantern"}
    statuses = [browser.post("/api/web/profile/password", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    login = {"email": runner["email"], "password": runner["password"]}
    # The guesses were this (known) device's: another browser is not held up by them.
    assert Browser(app.test_client()).post("/api/web/login", json=login).status_code == 200


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
    # A known device counts on its own: failures elsewhere leave it alone, and the reverse.
    for _ in range(3):
        first.failed("a@example.org", "6.6.6.6")
    assert second.retry_after("a@example.org", "6.6.6.7") > 0
    assert second.retry_after("a@example.org", "6.6.6.6", device="d1") == 0
    for _ in range(3):
        second.failed("a@example.org", "7.7.7.7", device="d1")
    assert first.retry_after("a@example.org", "7.7.7.7", device="d1") > 0
    assert first.retry_after("a@example.org", "7.7.7.7", device="d2") == 0


def test_wrong_passwords_sent_at_once_get_no_more_checks_than_the_limit(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Eight guesses at one account sent at once to one threaded process, while each
    password check takes 0.6 s: the checks in progress count, so three are answered and
    the rest held up (before, all eight passed on the count from before any failed)."""
    link = SlowLink(request.getfixturevalue("dataservice").url)
    try:
        services = [request.getfixturevalue(n) for n in ("tokendealer", "sim")]
        settings = web_settings(
            services[0],
            SimpleNamespace(url=link.url),  # type: ignore[arg-type]
            services[1],
            tmp_path,
            login_max_per_account=3,
            login_max_per_address=100,
        )
        app = make_app(settings)
        runner = Browser(app.test_client()).sign_up()
        bad = {"email": runner["email"], "password": "guess guess guess"}
        start = threading.Barrier(8)
        statuses: list[int] = []

        def guess() -> None:
            attacker = Browser(app.test_client())
            start.wait()
            statuses.append(attacker.post("/api/web/login", json=bad).status_code)

        threads = [threading.Thread(target=guess) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [401] * 3 + [429] * 5
        # The checks are over: the three failures count, nothing else stays counted.
        counter = SQLiteCounter(settings.throttle_db)
        assert counter.begin(f"account:{runner['email']}", 60) == 3 + 1
    finally:
        link.stop()


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_checks_in_progress_count_until_they_end(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if store == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex}:"
        make = lambda: RedisCounter(url, prefix=prefix)  # noqa: E731
    else:
        make = lambda: SQLiteCounter(str(tmp_path / "t.db"))  # noqa: E731
    limiter = LoginThrottle(make(), window=60, per_account=3, per_address=100)
    start = threading.Barrier(6)
    waits: list[int] = []

    def begin() -> None:
        start.wait()
        waits.append(limiter.begin("a@example.org", "1.1.1.1"))

    threads = [threading.Thread(target=begin) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Three go on; the others wait a second (no failure yet: only checks in progress).
    assert sorted(waits) == [0, 0, 0, 1, 1, 1]
    for _ in range(3):
        limiter.end("a@example.org", "1.1.1.1")
    assert limiter.begin("a@example.org", "1.1.1.1") == 0  # the finished ones count no more
    limiter.failed("a@example.org", "1.1.1.1")
    limiter.end("a@example.org", "1.1.1.1")
    limiter.failed("a@example.org", "1.1.1.1")
    limiter.failed("a@example.org", "1.1.1.1")
    wait = limiter.begin("a@example.org", "1.1.1.1")  # three failures: the window's wait
    assert 1 < wait <= 61
