"""A private redis-server: with its append-only file a restart keeps the queue (as
production's Redis does), without it a restart starts empty."""

from __future__ import annotations

from pathlib import Path

import redis

from runnerly_common.testing.ci import ServiceUnavailable, skip_or_fail
from runnerly_common.testing.redis import RedisServer


def _server(work: Path, appendonly: bool) -> RedisServer:
    try:
        return RedisServer(work, appendonly=appendonly)
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


def test_an_append_only_redis_keeps_its_keys_across_a_kill(tmp_path: Path) -> None:
    with _server(tmp_path, appendonly=True) as server:
        client = redis.Redis.from_url(server.url(3))
        client.set("queued", "task")
        client.close()
        server.restart()  # SIGKILL: no shutdown save, only the append-only file
        client = redis.Redis.from_url(server.url(3))
        assert client.get("queued") == b"task"
        client.close()


def test_a_plain_redis_starts_empty_after_a_restart(tmp_path: Path) -> None:
    with _server(tmp_path, appendonly=False) as server:
        client = redis.Redis.from_url(server.url())
        client.set("queued", "task")
        client.close()
        server.restart()
        client = redis.Redis.from_url(server.url())
        assert client.get("queued") is None
        client.close()
