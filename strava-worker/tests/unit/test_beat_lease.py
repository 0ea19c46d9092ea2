"""The beat lock's lease against a real (private) Redis: one holder at a time, renewed and
released only by its holder."""

from __future__ import annotations

import time

import redis

from strava_worker.beat import LOCK_KEY, BeatLease


def test_only_the_holder_renews_or_releases_the_lease(private_redis) -> None:
    client = redis.Redis.from_url(private_redis.url(2))
    first, second = BeatLease(client, 3, "first"), BeatLease(client, 3, "second")

    assert first.hold() and not second.hold()
    assert second.holder() == "first"
    assert first.hold()  # a renewal: the whole lease again
    assert 2500 < client.pttl(LOCK_KEY) <= 3000

    client.pexpire(LOCK_KEY, 1)  # the holder stopped renewing: its lease runs out
    time.sleep(0.05)
    assert second.hold()
    # The first beat, awake again, neither renews nor deletes the new holder's lease.
    assert not first.hold()
    first.release()
    assert second.holder() == "second"
    second.release()
    assert client.get(LOCK_KEY) is None
