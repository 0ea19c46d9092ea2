"""Timers that benchmarks/sync/ puts into the processes it measures.

Each process appends JSON lines to ``<BENCH_SYNC_PROBE_DIR>/<role>-<pid>.jsonl``: a service
one line per request (its route, the time in the app and in the database driver), the
worker one line per task (the time in each phase of the sync).  Timers wrap existing
functions; nothing else in the measured code changes.  A timer costs ~1 µs, a line ~10 µs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine

ENV_DIR = "BENCH_SYNC_PROBE_DIR"
F = TypeVar("F", bound=Callable[..., Any])
_NUMBERS = re.compile(r"/\d+")
# The driver calls of a SQLAlchemy dialect: every round trip to the database goes through one.
DRIVER_CALLS = (
    "do_execute",
    "do_executemany",
    "do_execute_no_params",
    "do_commit",
    "do_rollback",
    "do_ping",
)


class Probe:
    """Per-thread sums of seconds and counts, written out as one JSON line on ``flush``."""

    def __init__(self, directory: str | Path, role: str) -> None:
        self.directory = Path(directory)
        self.role = role
        self._local = threading.local()
        self._file: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    @property
    def seconds(self) -> defaultdict[str, float]:
        if not hasattr(self._local, "seconds"):
            self._local.seconds = defaultdict(float)
            self._local.counts = defaultdict(int)
        return self._local.seconds

    @property
    def counts(self) -> defaultdict[str, int]:
        self.seconds  # noqa: B018 - creates both
        return self._local.counts

    def add(self, key: str, seconds: float, count: int = 1) -> None:
        self.seconds[key] += seconds
        self.counts[key] += count

    def timed(self, key: str | Callable[..., str], function: F) -> F:
        """``function`` adding its duration to ``key`` (or to ``key(*args)``)."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                name = key(*args, **kwargs) if callable(key) else key
                self.add(name, time.perf_counter() - started)

        wrapper.__wrapped__ = function  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    def flush(self, **fields: Any) -> None:
        """Write this thread's sums with ``fields`` and start again from zero."""
        line = {
            "role": self.role,
            "pid": os.getpid(),
            "end": time.time(),
            **fields,
            "seconds": dict(self.seconds),
            "counts": dict(self.counts),
        }
        self.seconds.clear()
        self.counts.clear()
        with self._lock:
            if self._pid != os.getpid():  # a fork (gunicorn, prefork): a file of our own
                self._pid = os.getpid()
                path = self.directory / f"{self.role}-{self._pid}.jsonl"
                self._file = path.open("a", encoding="utf-8", buffering=1)
            self._file.write(json.dumps(line) + "\n")


def time_driver(engine: Engine, probe: Probe, key: str = "db") -> None:
    """Count every driver call of ``engine`` (statements, commits, rollbacks, pings) in
    ``key``: the round trips, PostgreSQL's work and the driver's own, not SQLAlchemy's."""
    dialect = engine.dialect
    for name in DRIVER_CALLS:
        # An instance attribute shadows the method: only this engine's dialect is timed.
        setattr(dialect, name, probe.timed(key, getattr(dialect, name)))


def time_copy(probe: Probe, key: str = "db") -> None:
    """Count psycopg's COPY blocks in ``key`` too: the bulk upsert streams new runs with
    COPY on the driver's own cursor, which no dialect call sees.  The block's time is the
    driver encoding the rows and PostgreSQL storing them."""
    import psycopg

    original = psycopg.Cursor.copy

    @contextlib.contextmanager
    def copy(cursor: Any, statement: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        started = time.perf_counter()
        try:
            with original(cursor, statement, *args, **kwargs) as block:
                yield block
        finally:
            probe.add(key, time.perf_counter() - started)

    psycopg.Cursor.copy = copy  # type: ignore[method-assign]


def route_of(path: str) -> str:
    """``/api/v1/users/17/runs/batch`` → ``/api/v1/users/{n}/runs/batch``."""
    return _NUMBERS.sub("/{n}", path)


def time_requests(app: Any, probe: Probe) -> None:
    """A WSGI middleware around ``app`` writing a line per request: the whole app (routing,
    token, validation, view, JSON) and, in ``db``, the driver calls it made."""
    inner = app.wsgi_app

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        probe.seconds.clear()
        probe.counts.clear()
        started = time.perf_counter()
        status: list[str] = []

        def capture(code: str, *args: Any) -> Any:
            status.append(code)
            return start_response(code, *args)

        body = list(inner(environ, capture))  # JSON answers: small enough to hold
        probe.add("app", time.perf_counter() - started)
        probe.flush(
            route=f"{environ['REQUEST_METHOD']} {route_of(environ.get('PATH_INFO', ''))}",
            status=int(status[0].split()[0]) if status else 0,
            bytes_in=int(environ.get("CONTENT_LENGTH") or 0),
            bytes_out=sum(map(len, body)),
        )
        return body

    app.wsgi_app = middleware


def read_lines(directory: Path, role: str | None = None) -> list[dict[str, Any]]:
    """Every line the probes wrote (of one role)."""
    lines = []
    for path in sorted(directory.glob(f"{role or '*'}-*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.strip():
                lines.append(json.loads(text))
    return lines
