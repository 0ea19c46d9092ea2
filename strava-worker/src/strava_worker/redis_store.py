"""The rate budget, runner locks and last syncs in Redis, shared by every worker on every
machine.

Each budget operation is one Lua script, so a reservation checks and counts both windows
atomically: two workers can never both take the last slot.  Each runner's last completed
sync is a member of one sorted set (score: the time), so the oldest is one ``ZRANGE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import redis
from redis.typing import EncodableT

from strava_worker.budget import Windows
from strava_worker.hints import HINTS_MAX, Hints

_RESERVE = """
local short = tonumber(redis.call('GET', KEYS[1]) or '0')
local daily = tonumber(redis.call('GET', KEYS[2]) or '0')
if daily >= tonumber(ARGV[2]) then return 2 end
if short >= tonumber(ARGV[1]) then return 1 end
redis.call('INCR', KEYS[1]); redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('INCR', KEYS[2]); redis.call('EXPIRE', KEYS[2], ARGV[4])
return 0
"""
_RAISE = """
for i = 1, 2 do
  local value = tonumber(ARGV[i])
  if value > tonumber(redis.call('GET', KEYS[i]) or '0') then
    redis.call('SET', KEYS[i], value, 'EX', ARGV[i + 2])
  end
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


# KEYS: fresh hash, deauth flag, claim.  ARGV: activity id ('' for a deauthorization),
# event_time, HINTS_MAX, claim seconds, a fresh flag value, the hints' lifetime.
_ADD_HINT = """
if ARGV[1] == '' then
  redis.call('SET', KEYS[2], ARGV[5], 'EX', ARGV[6])
elseif redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
    and redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
end
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[4]) then return 1 end
return 0
"""
# KEYS: fresh, check, deauth, claim.  ARGV: claim seconds.
_KEEP_CLAIM = """
if redis.call('HLEN', KEYS[1]) + redis.call('HLEN', KEYS[2]) + redis.call('EXISTS', KEYS[3]) == 0
then
  redis.call('DEL', KEYS[4])
  return 0
end
redis.call('EXPIRE', KEYS[4], ARGV[1])
return 1
"""
# KEYS: deauth.  ARGV: the value peeked.
_DEL_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
HINTS_LIFETIME = 86400  # hints no drain took (a lost task and no later event) expire


def _text(value: object) -> str:
    """A member as the client answers it: bytes (no ``decode_responses``)."""
    return value.decode() if isinstance(value, bytes) else str(value)


class StoreUnavailable(Exception):
    """Redis did not answer (restarted, failed over): transient, the task retries."""


@contextmanager
def _answering() -> Iterator[None]:
    # redis-py already retried the command a few times within milliseconds; longer waits
    # are the task's (a countdown), not a worker slot's.
    try:
        yield
    except redis.RedisError as exc:
        raise StoreUnavailable(f"Redis: {exc}") from exc


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str = "strava-worker:") -> None:
        self.redis = client
        self.prefix = prefix
        self._reserve = client.register_script(_RESERVE)
        self._raise = client.register_script(_RAISE)
        self._release = client.register_script(_RELEASE)
        self._add_hint = client.register_script(_ADD_HINT)
        self._keep_claim = client.register_script(_KEEP_CLAIM)
        self._del_if = client.register_script(_DEL_IF)

    @classmethod
    def from_url(cls, url: str) -> RedisStore:
        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3))

    def _keys(self, windows: Windows, now: float) -> tuple[list[str], list[int]]:
        short, day = windows.starts(now)
        keys = [f"{self.prefix}budget:short:{short}", f"{self.prefix}budget:day:{day}"]
        # Keys outlive their window a little so a late correction never resurrects one.
        return keys, [windows.short_seconds * 2, windows.day_seconds * 2]

    def reserve(self, windows: Windows, now: float) -> tuple[bool, bool]:
        keys, ttls = self._keys(windows, now)
        with _answering():
            code = int(self._reserve(keys, [windows.limit_short, windows.limit_daily, *ttls]))
        return code == 0, code == 2

    def raise_to(self, windows: Windows, now: float, short: int, daily: int) -> None:
        keys, ttls = self._keys(windows, now)
        with _answering():
            self._raise(keys, [short, daily, *ttls])

    def acquire(self, name: str, owner: str, seconds: int) -> bool:
        with _answering():
            return bool(self.redis.set(f"{self.prefix}lock:{name}", owner, nx=True, ex=seconds))

    def release(self, name: str, owner: str) -> None:
        with _answering():
            self._release([f"{self.prefix}lock:{name}"], [owner])

    def usage(self, windows: Windows, now: float) -> tuple[int, int]:
        keys, _ = self._keys(windows, now)
        with _answering():
            short, daily = self.redis.mget(keys)
        return int(short or 0), int(daily or 0)

    @property
    def _synced(self) -> str:
        return f"{self.prefix}synced"

    def record_sync(self, user_id: int, at: float) -> None:
        with _answering():
            self.redis.zadd(self._synced, {str(user_id): at}, gt=True)

    def forget_sync(self, user_id: int) -> None:
        with _answering():
            self.redis.zrem(self._synced, str(user_id))

    def reconcile_syncs(self, synced: Mapping[int, float]) -> None:
        wanted = {str(user_id): at for user_id, at in synced.items()}
        with _answering():
            gone = {_text(m) for m in self.redis.zrange(self._synced, 0, -1)} - wanted.keys()
            with self.redis.pipeline() as pipe:
                if gone:
                    pipe.zrem(self._synced, *gone)
                if wanted:
                    pipe.zadd(self._synced, wanted, gt=True)
                pipe.execute()

    def oldest_sync(self) -> float | None:
        with _answering():
            oldest = self.redis.zrange(self._synced, 0, 0, withscores=True)
        return float(oldest[0][1]) if oldest else None

    # --- webhook events ---

    def subscription_id(self) -> int | None:
        with _answering():
            value = self.redis.get(f"{self.prefix}webhook:subscription")
        return int(value) if value else None

    def set_subscription_id(self, subscription_id: int) -> None:
        with _answering():
            self.redis.set(f"{self.prefix}webhook:subscription", int(subscription_id))

    def _hint_keys(self, athlete: int) -> list[str]:
        base = f"{self.prefix}hints:{int(athlete)}:"
        return [base + kind for kind in ("fresh", "check", "deauth", "claim")]

    def add_hint(
        self, athlete: int, activity_id: int | None, event_time: float, claim_seconds: int
    ) -> bool:
        fresh, _, deauth, claim = self._hint_keys(athlete)
        flag = f"{event_time}:{uuid.uuid4().hex}"
        args = ["" if activity_id is None else int(activity_id), event_time, HINTS_MAX]
        with _answering():
            claimed = self._add_hint(
                [fresh, deauth, claim], [*args, claim_seconds, flag, HINTS_LIFETIME]
            )
        return bool(int(claimed))

    def keep_claim(self, athlete: int, claim_seconds: int) -> bool:
        with _answering():
            return bool(int(self._keep_claim(self._hint_keys(athlete), [claim_seconds])))

    def peek_hints(self, athlete: int) -> Hints:
        fresh, check, deauth, _ = self._hint_keys(athlete)
        with _answering(), self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(fresh)
            pipe.hgetall(check)
            pipe.get(deauth)
            got_fresh, got_check, flag = pipe.execute()
        return Hints(
            {int(k): float(v) for k, v in got_fresh.items()},
            {int(k): float(v) for k, v in got_check.items()},
            flag.decode() if flag else None,
        )

    def settle_hints(self, athlete: int, done: Hints, recheck: dict[int, float]) -> None:
        fresh, check, deauth, _ = self._hint_keys(athlete)
        with _answering():
            with self.redis.pipeline(transaction=True) as pipe:
                if done.fresh:
                    pipe.hdel(fresh, *done.fresh)
                if done.check:
                    pipe.hdel(check, *done.check)
                pipe.hlen(check)
                room = HINTS_MAX - pipe.execute()[-1]
            kept: dict[EncodableT, EncodableT] = dict(
                sorted(recheck.items(), key=lambda item: item[1])[: max(room, 0)]
            )
            if kept:
                self.redis.hset(check, mapping=kept)
                self.redis.expire(check, HINTS_LIFETIME)
            if done.deauth:
                self._del_if([deauth], [done.deauth])

    def clear_hints(self, athlete: int) -> None:
        with _answering():
            self.redis.delete(*self._hint_keys(athlete))
