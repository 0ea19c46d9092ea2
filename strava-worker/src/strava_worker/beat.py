"""One beat sends the schedule, however many run: a lease in Redis (docs/decisions.md, "One
beat at a time: a lease in Redis").

Two ``celery beat`` processes would each send every periodic task, so every sync round and
every monthly report twice.  :class:`LockedScheduler` (the app's ``beat_scheduler``, so every
``celery beat`` command uses it) sends only while it holds the lock ``strava-worker:beat:lock``
in ``REDIS_URL``: a key with the holder's name that expires ``BEAT_LOCK_SECONDS`` after it was
last renewed.  The holder renews it every third of that, from its scheduling loop: a beat
that stops ticking (killed, frozen, cut off from Redis) loses it.  Another beat waits as a
standby, asking every third of the lease, and takes over once the key has expired; a beat
stopped cleanly deletes it, and the standby takes over at its next try.

Renewed from the loop, not from a thread: a lease held by a thread of a stuck beat would keep
the schedule from running anywhere.  Without ``REDIS_URL`` (one machine, SQLite) there is no
lock, as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler, ScheduleEntry

from runnerly_common.requestid import bind_request_id, reset_request_id
from runnerly_common.tasks import SUBSCRIBE_WEBHOOK

log = logging.getLogger(__name__)
LOCK_KEY = "strava-worker:beat:lock"
SYNC_ENTRY = "sync-all"  # the schedule's round of syncs, which a new holder starts at once

# KEYS: the lock.  ARGV: this beat's name, the lease (ms).  1: held by this beat from now on.
_HOLD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def beat_name() -> str:
    """Who holds the lock, as an operator finds it: host (the container), pid, and a nonce
    (a restarted container may get the same pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class BeatLease:
    """The lock itself: taken or renewed in one step, released only by its holder."""

    def __init__(self, client: redis.Redis, seconds: int, name: str | None = None) -> None:
        self.client = client
        self.seconds = seconds
        self.name = name or beat_name()
        self._hold = client.register_script(_HOLD)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, seconds: int) -> BeatLease:
        # Short timeouts: the loop that renews must not wait longer than the lease lasts.
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return cls(client, seconds)

    @property
    def every(self) -> float:
        """How often the holder renews and a standby asks."""
        return self.seconds / 3

    def hold(self) -> bool:
        """Take the lock or renew it: True while this beat holds it."""
        return bool(self._hold([LOCK_KEY], [self.name, self.seconds * 1000]))

    def holder(self) -> str | None:
        value = self.client.get(LOCK_KEY)
        return value.decode() if isinstance(value, bytes) else None

    def release(self) -> None:
        self._release([LOCK_KEY], [self.name])


class LockedScheduler(PersistentScheduler):  # type: ignore[misc]  # Celery is Any (no stubs)
    """Celery's scheduler (schedule file and all) that sends only while it holds the lease."""

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        settings = app.runtime.settings
        self.lease = (
            BeatLease.from_url(settings.redis_url, settings.beat_lock_seconds)
            if settings.redis_url
            else None
        )
        self.holding = False
        self._held_before = False
        self._said: str | None = None  # the last standby state logged: said once, not per try
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.lease is None:
            if not self._held_before:
                self._held_before = True
                log.info("beat: no REDIS_URL, so no lock: run one beat only")
                self._first_round()
            return float(super().tick(*args, **kwargs))
        if not self._holds():
            return self.lease.every
        if not self._held_before:
            self._held_before = True
            self._first_round()
        return min(float(super().tick(*args, **kwargs)), self.lease.every)

    def _holds(self) -> bool:
        assert self.lease is not None
        try:
            held = self.lease.hold()
            holder = None if held else self.lease.holder()
        except redis.RedisError as exc:
            # Unknown: maybe expired and taken, so stop sending until Redis answers.
            held, holder = False, None
            self._standby(f"beat: cannot reach Redis for the lock, not sending ({exc})")
        else:
            if held and not self.holding:
                log.info(
                    "beat: took the lock; sending the schedule",
                    extra={"beat": self.lease.name, "lease_seconds": self.lease.seconds},
                )
            elif not held:
                verb = "lost the lock to" if self.holding else "standby: the lock is held by"
                self._standby(
                    f"beat: {verb} {holder}; taking over within "
                    f"{self.lease.seconds + self.lease.every:.0f}s of its end",
                    level=logging.WARNING if self.holding else logging.INFO,
                )
        self.holding = held
        if held:
            self._said = None
        return held

    def _standby(self, message: str, level: int = logging.WARNING) -> None:
        if message != self._said:
            self._said = message
            assert self.lease is not None
            log.log(level, message, extra={"beat": self.lease.name})

    def _first_round(self) -> None:
        """A round of syncs (and the webhook subscription) as soon as a beat holds the lock,
        instead of one interval later: a fresh stack syncs without a manual step, and a
        standby that takes over starts where the dead beat may have left off.  The round is
        the schedule's own entry, so its interval counts from now."""
        entry: ScheduleEntry | None = self.schedule.get(SYNC_ENTRY)
        if entry is not None:
            self.reserve(entry)  # its last run is now: the next one interval later
            self.apply_entry(entry, producer=self.producer)
            self._heap = None  # rebuilt from the entry's new last run at the next tick
        if self.app.runtime.settings.webhook_callback_url:
            token = bind_request_id(None)
            try:
                SUBSCRIBE_WEBHOOK.send(self.app)
            finally:
                reset_request_id(token)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        # Each send its own request id: the "Sending due task" line, the message and every
        # line of the task (and of the tasks it queues) carry it.
        token = bind_request_id(None)
        try:
            super().apply_entry(entry, producer=producer)
        finally:
            reset_request_id(token)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.lease is not None and self.holding:
                # A clean stop hands over at once: the standby's next try takes the lock.
                with contextlib.suppress(redis.RedisError):  # then it expires by itself
                    self.lease.release()
                self.holding = False
