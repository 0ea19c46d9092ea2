"""The single-use link store on both backends (two stores on one backend: two web
processes): redeemed once only, even by requests racing each other; expiry; cancelling;
and only a hash of the token kept."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from runnerly_web.account.one_time_tokens import (
    RedisTokenStore,
    SQLiteTokenStore,
    TokenRefused,
    TokenStore,
    digest,
)

Make = Callable[[], TokenStore]


@pytest.fixture(params=["sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Make:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex}:"
        return lambda: RedisTokenStore(url, prefix=prefix)
    path = str(tmp_path / "tokens.db")
    return lambda: SQLiteTokenStore(path)


def _reason(store: TokenStore, purpose: str, token: str) -> str:
    with pytest.raises(TokenRefused) as refused:
        store.redeem(purpose, token)
    return refused.value.reason


def test_a_token_redeems_once_on_any_process_with_what_it_carries(make_store: Make) -> None:
    here, there = make_store(), make_store()
    token = here.issue("email-change", 7, {"new_email": "new@example.org"}, 3600)
    assert there.peek("email-change", token).data == {"new_email": "new@example.org"}
    redeemed = there.redeem("email-change", token)
    assert (redeemed.user_id, redeemed.data) == (7, {"new_email": "new@example.org"})
    assert _reason(here, "email-change", token) == "used"
    with pytest.raises(TokenRefused):
        here.peek("email-change", token)


def test_of_many_requests_racing_with_one_token_exactly_one_wins(make_store: Make) -> None:
    token = make_store().issue("password-reset", 3, {}, 3600)
    stores = [make_store() for _ in range(8)]
    wins: list[int] = []
    start = threading.Barrier(len(stores))

    def attempt(store: TokenStore) -> None:
        start.wait()
        with contextlib.suppress(TokenRefused):
            wins.append(store.redeem("password-reset", token).user_id)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins == [3]


def test_a_token_is_for_its_purpose_only(make_store: Make) -> None:
    store = make_store()
    token = store.issue("email-change", 7, {}, 3600)
    assert _reason(store, "password-reset", token) == "unknown"
    assert store.redeem("email-change", token).user_id == 7


def test_an_expired_token_is_refused_as_expired(make_store: Make) -> None:
    store = make_store()
    token = store.issue("password-reset", 7, {}, 1)
    time.sleep(1.1)
    assert _reason(store, "password-reset", token) == "expired"


def test_cancelling_a_runner_s_tokens_leaves_others_and_later_ones(make_store: Make) -> None:
    store = make_store()
    mine = store.issue("password-reset", 7, {}, 3600)
    theirs = store.issue("password-reset", 8, {}, 3600)
    make_store().revoke_all("password-reset", 7)
    later = store.issue("password-reset", 7, {}, 3600)
    assert _reason(store, "password-reset", mine) == "replaced"
    assert store.redeem("password-reset", theirs).user_id == 8
    assert store.redeem("password-reset", later).user_id == 7


def test_a_made_up_token_is_unknown(make_store: Make) -> None:
    assert _reason(make_store(), "password-reset", "made-up") == "unknown"


def test_the_store_keeps_a_hash_never_the_token(make_store: Make, tmp_path: Path) -> None:
    store = make_store()
    token = store.issue("password-reset", 7, {}, 3600)
    if isinstance(store, RedisTokenStore):
        keys = [k.decode() for k in store.redis.scan_iter(match=f"{store.prefix}*")]
        values = [store.redis.get(k) or b"" for k in keys if not k.count(":user:")]
        kept = " ".join(keys) + " ".join(v.decode() for v in values)
        store.redis.delete(*keys)
    else:
        rows = sqlite3.connect(tmp_path / "tokens.db").execute("SELECT * FROM one_time_tokens")
        kept = " ".join(str(cell) for row in rows for cell in row)
    assert token not in kept
    assert digest(token) in kept
