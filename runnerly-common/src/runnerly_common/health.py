"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer).

Each readiness check runs in a thread of its own and ``/readyz`` waits for all of them
at most ``READINESS_DEADLINE`` seconds in total: a dependency that hangs is reported as
not ready in time instead of holding the probe (and the gunicorn worker) until the
orchestrator's own timeout.  A check never runs twice at once, so a scrape storm against
a hung dependency adds waiting requests, not threads; a check may also keep its answer
for ``cache_seconds`` so that frequent probes do not hammer what they check.

A dependency the service can do without for a while (it degrades, and says so) is
registered with ``required=False``: ``/readyz`` shows its state but stays 200, so an
orchestrator does not take every instance out of service for it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, current_app

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], object]
_EXTENSION = "runnerly.readiness"
# Seconds /readyz waits for its checks, altogether: below the usual 3 s probe timeout.
DEFAULT_DEADLINE = 2.5
DEADLINE_CONFIG = "READINESS_DEADLINE"
# ``scheme://user:password@host``: the password part of any URL in an error message.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the password of every URL in it masked."""
    return _URL_PASSWORD.sub(r"\g<head>:***@", text)


class _Run:
    """One run of a check; the requests that wait for it share its result."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.started = time.monotonic()
        self.finished = 0.0
        self.result: dict[str, object] = {}


class _Probe:
    def __init__(
        self, name: str, check: ReadinessCheck, cache_seconds: float, required: bool
    ) -> None:
        self.name = name
        self.check = check
        self.cache_seconds = cache_seconds
        self.required = required
        self._lock = threading.Lock()
        self._last: _Run | None = None

    def begin(self, app: Flask) -> _Run:
        """The run to wait for: the one in progress, a recent enough one, or a new one."""
        with self._lock:
            last = self._last
            if last is not None and not last.done.is_set():
                return last
            if last is not None and time.monotonic() - last.finished < self.cache_seconds:
                return last
            run = self._last = _Run()
        context = contextvars.copy_context()  # the request id, for the log line
        thread = threading.Thread(
            target=context.run, args=(self._run, app, run), name=f"readyz-{self.name}"
        )
        thread.daemon = True  # a hung dependency must not keep the worker from exiting
        thread.start()
        return run

    def _run(self, app: Flask, run: _Run) -> None:
        error = None
        try:
            with app.app_context():
                ok = bool(self.check())
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            ok, error = False, redact(f"{type(exc).__name__}: {exc}")[:200]
            log.warning("readiness check %s failed: %s", self.name, error)
        run.finished = time.monotonic()
        run.result = {"ok": ok, "ms": round((run.finished - run.started) * 1000, 1)}
        if error:
            run.result["error"] = error
        run.done.set()


def add_readiness_check(
    app: Flask,
    name: str,
    check: ReadinessCheck,
    *,
    cache_seconds: float = 0,
    required: bool = True,
) -> None:
    """Register a dependency; ``check`` returns truthy when ready and may raise.

    ``cache_seconds`` keeps an answer that long (a broker, say, that a probe every second
    from several orchestrators should not be asked each time).  ``required=False``: shown,
    but its failure leaves the service ready.
    """
    probe = _Probe(name, check, cache_seconds, required)
    app.extensions.setdefault(_EXTENSION, {})[name] = probe


def readiness_checks(app: Flask) -> list[str]:
    """The names of the dependencies ``/readyz`` checks."""
    return list(app.extensions.get(_EXTENSION, {}))


def run_checks(app: Flask) -> tuple[bool, dict[str, dict[str, object]]]:
    deadline_seconds = float(app.config.get(DEADLINE_CONFIG, DEFAULT_DEADLINE))
    started = time.monotonic()
    deadline = started + deadline_seconds
    probes: dict[str, _Probe] = app.extensions.get(_EXTENSION, {})
    runs = {name: probe.begin(app) for name, probe in probes.items()}
    results: dict[str, dict[str, object]] = {}
    for name, run in runs.items():
        if run.done.wait(max(0.0, deadline - time.monotonic())):
            results[name] = dict(run.result)
        else:
            waited = time.monotonic() - run.started
            error = f"no answer within {deadline_seconds:g} s"
            results[name] = {"ok": False, "ms": round(waited * 1000, 1), "error": error}
            log.warning("readiness check %s failed: %s", name, error)
        if not probes[name].required:
            results[name]["required"] = False
    ready = all(result["ok"] for name, result in results.items() if probes[name].required)
    return ready, results


def blueprint(service: str) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @bp.get("/readyz")
    def readyz() -> tuple[dict[str, object], int]:
        ready, checks = run_checks(current_app._get_current_object())  # type: ignore[attr-defined]
        body = {"status": "ready" if ready else "unavailable", "service": service, "checks": checks}
        return body, 200 if ready else 503

    return bp
