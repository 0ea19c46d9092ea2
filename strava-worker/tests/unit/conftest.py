"""The two stores (SQLite and Redis) as one parametrised fixture, and a settable clock."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import redis

from runnerly_common.testing import IN_CI
from strava_worker.budget import Store
from strava_worker.redis_store import RedisStore
from strava_worker.sqlite_store import SqliteStore

REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/12"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000 + 60)  # one minute into a 15-minute window


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Both stores behave alike; Redis is the one several machines share."""
    if request.param == "sqlite":
        return SqliteStore(str(tmp_path / "budget.db"))
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return RedisStore(client, prefix=f"test-{uuid.uuid4().hex}:")
