"""Two real ``celery beat`` processes on one broker: only the holder of the beat lock sends
the schedule, the other waits as a standby and takes over once the holder is gone.

Each message names its sender (Celery's ``origin`` header, ``gen<pid>@<host>``), so the test
counts exactly whose tasks reached the queue, not only how many.
"""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from pathlib import Path

import redis

from runnerly_common.tasks import SYNC_ALL
from runnerly_common.testing import CeleryProcess
from runnerly_common.testing.services import start_celery_beat

INTERVAL = 2  # seconds between two rounds of syncs
LEASE = 3  # the beat lock's lease: the shortest the settings allow
WINDOW = 10  # seconds the test counts messages in


def origin(beat: CeleryProcess) -> str:
    return f"gen{beat.pid}@{socket.gethostname()}"


def queued(broker: redis.Redis) -> list[tuple[str, str]]:
    """(task name, sender) of each message in the sync queue."""
    messages = [json.loads(raw) for raw in broker.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], m["headers"]["origin"]) for m in messages]


def wait_for(broker: redis.Redis, sender: str, timeout: float) -> float:
    """Seconds until a message from ``sender`` is in the queue."""
    started = time.monotonic()
    while not any(who == sender for _, who in queued(broker)):
        assert time.monotonic() - started < timeout, f"nothing from {sender}: {queued(broker)}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_second_beat_stands_by_and_takes_over_when_the_first_is_killed(
    private_redis, tmp_path: Path
) -> None:
    settings = {
        "broker_url": private_redis.url(1),
        "redis_url": private_redis.url(2),
        "sync_interval": INTERVAL,
        "beat_lock_seconds": LEASE,
    }
    broker = redis.Redis.from_url(private_redis.url(1))
    with start_celery_beat(tmp_path / "first", {}, **settings) as first:
        wait_for(broker, origin(first), timeout=10)  # its first round: it holds the lock
        with start_celery_beat(tmp_path / "second", {}, **settings) as second:
            broker.delete("celery")
            time.sleep(WINDOW)
            sent = queued(broker)

            # One schedule's worth, all from the first beat: a round every INTERVAL.
            assert {who for _, who in sent} == {origin(first)}, sent
            rounds = Counter(task for task, _ in sent)[SYNC_ALL.name]
            assert WINDOW / INTERVAL - 1 <= rounds <= WINDOW / INTERVAL + 1, sent
            assert "standby: the lock is held by" in second.log(), second.log()
            assert "took the lock" not in second.log()

            # The holder dies without a word (SIGKILL): its lease runs out and the standby
            # sends from then on, its first round at once.
            first.kill()
            broker.delete("celery")
            took = wait_for(broker, origin(second), timeout=LEASE * 3)
            assert took <= LEASE + LEASE / 3 + 3, took  # slack for a loaded machine
            assert "took the lock" in second.log()
            time.sleep(2 * INTERVAL)
            assert {who for _, who in queued(broker)} == {origin(second)}


def test_a_beat_stopped_cleanly_hands_the_lock_over_at_the_standby_s_next_try(
    private_redis, tmp_path: Path
) -> None:
    settings = {
        "broker_url": private_redis.url(1),
        "redis_url": private_redis.url(2),
        "sync_interval": 60,
        "beat_lock_seconds": 30,
    }
    broker = redis.Redis.from_url(private_redis.url(1))
    with start_celery_beat(tmp_path / "first", {}, **settings) as first:
        wait_for(broker, origin(first), timeout=10)
        with start_celery_beat(tmp_path / "second", {}, **settings) as second:
            time.sleep(1)
            assert {who for _, who in queued(broker)} == {origin(first)}
            first.stop()  # SIGTERM, as `docker compose stop` sends: the lock is released
            # The standby asks every third of the lease (10 s), not after the whole lease.
            assert wait_for(broker, origin(second), timeout=15) <= 30 / 3 + 2
    assert not first.errors_in_log() and not second.errors_in_log(), first.log() + second.log()
