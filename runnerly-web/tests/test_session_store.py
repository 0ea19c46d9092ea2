"""The session store on both backends: what ends a session, and its two lifetimes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from runnerly_web.session_store import RedisSessionStore, SessionStore, SQLiteSessionStore

Make = Callable[[int, int], SessionStore]


@pytest.fixture(params=["sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    """Two stores made by one factory share their data (two web processes)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex}:"
        return lambda idle, absolute: RedisSessionStore(url, idle, absolute, prefix=prefix)
    path = str(tmp_path / "sessions.db")
    return lambda idle, absolute: SQLiteSessionStore(path, idle, absolute)


def test_a_session_lives_until_it_is_ended_on_any_process(make_store: Make) -> None:
    here, there = make_store(3600, 7200), make_store(3600, 7200)
    now = int(time.time())
    sid = here.open(7, now)
    assert there.check(sid, 7, now)
    # Only for the runner and the start it was opened with.
    assert not there.check(sid, 8, now) and not there.check(sid, 7, now - 1)
    there.end(sid)
    assert not here.check(sid, 7, now)
    assert not there.check(sid, 7, now)


def test_ending_every_session_of_an_account_leaves_other_accounts(make_store: Make) -> None:
    here, there = make_store(3600, 7200), make_store(3600, 7200)
    now = int(time.time())
    laptop, phone, other = here.open(7, now), there.open(7, now), here.open(8, now)
    there.end_all(7)
    assert not here.check(laptop, 7, now) and not here.check(phone, 7, now)
    assert here.check(other, 8, now)
    # The account can open sessions again afterwards.
    again = there.open(7, now)
    assert here.check(again, 7, now)


def test_the_absolute_lifetime_ends_a_session_however_often_it_is_used(
    make_store: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(600, 1800)
    started = int(time.time())
    sid = store.open(7, started)
    real_time = time.time
    for minutes in range(5, 30, 5):  # used every 5 minutes: never idle for 10
        monkeypatch.setattr(time, "time", lambda m=minutes: real_time() + m * 60)
        assert store.check(sid, 7, started), minutes
    monkeypatch.setattr(time, "time", lambda: real_time() + 1801)
    assert not store.check(sid, 7, started)


def test_the_idle_lifetime_ends_an_unused_session(make_store: Make) -> None:
    store = make_store(1, 3600)
    started = int(time.time())
    sid = store.open(7, started)
    assert store.check(sid, 7, started)
    time.sleep(2.2)
    assert not store.check(sid, 7, started)
