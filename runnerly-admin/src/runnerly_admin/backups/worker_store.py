"""The worker's Redis keys that outlive a restart and matter after a restore
(docs/decisions.md, "Backups: encrypted, scheduled, drilled"):

- ``strava-worker:lock:report-sent:<runner>:<YYYY-MM>``: a monthly report went out (kept
  400 days); without it a re-run of the month's fan-out mails the runner a second copy;
- ``strava-worker:budget:day:<day>``: the Strava calls spent today; without it a restored
  worker may spend a second day's allowance before Strava's answers correct the count.

Everything else there is short-lived (15-minute counters, locks of a few minutes, hints of
webhook events) or rebuilt by the worker (the last syncs, from the dataservice). The keys are
saved as values with their expiry time, not as ``DUMP`` blobs, which a Redis of another
version may refuse, and restored only where absent: a live value is the newer.
"""

from __future__ import annotations

import time
from typing import Any

import redis

from runnerly_admin.backups.errors import BackupError
from runnerly_admin.failures import first_line, safe_url

PREFIX = "strava-worker:"
PATTERNS = (f"{PREFIX}lock:report-sent:*", f"{PREFIX}budget:day:*")
FORMAT = "runnerly-worker-keys/1"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


def save(url: str) -> dict[str, Any]:
    """The lasting keys: ``{"format", "keys": [{"key", "value", "expires_at"}]}`` (epoch
    seconds; None for a key without expiry)."""
    client = _client(url)
    keys: list[dict[str, Any]] = []
    try:
        for pattern in PATTERNS:
            for key in client.scan_iter(match=pattern, count=1000):
                value, ttl_ms = client.get(key), client.pttl(key)
                if value is None:  # expired between the scan and the read
                    continue
                keys.append(
                    {
                        "key": _text(key),
                        "value": _text(value),
                        "expires_at": time.time() + ttl_ms / 1000 if ttl_ms > 0 else None,
                    }
                )
    except redis.RedisError as exc:
        raise BackupError(f"the worker's Redis ({safe_url(url)}): {first_line(exc)}") from None
    finally:
        client.close()
    keys.sort(key=lambda item: item["key"])
    return {"format": FORMAT, "keys": keys}


def load(url: str, saved: dict[str, Any]) -> dict[str, int]:
    """Set each saved key that is absent and not yet expired; ``{"restored", "kept",
    "expired"}`` counts."""
    if saved.get("format") != FORMAT:
        raise BackupError(f"the worker's keys: unknown format {saved.get('format')!r}")
    counts = {"restored": 0, "kept": 0, "expired": 0}
    client = _client(url)
    try:
        for item in saved["keys"]:
            expires_at = item["expires_at"]
            px = None if expires_at is None else int((expires_at - time.time()) * 1000)
            if px is not None and px <= 0:
                counts["expired"] += 1
            elif client.set(item["key"], item["value"], px=px, nx=True):
                counts["restored"] += 1
            else:
                counts["kept"] += 1
    except redis.RedisError as exc:
        raise BackupError(f"the worker's Redis ({safe_url(url)}): {first_line(exc)}") from None
    finally:
        client.close()
    return counts
