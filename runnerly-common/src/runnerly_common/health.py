"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer).

:class:`Readiness` holds a service's named checks and answers ``/readyz`` with them; it
knows nothing of Flask, so the Celery worker's own HTTP server uses it as the Flask apps
do (through :func:`add_readiness_check` and :func:`blueprint`).

Each check runs in a thread of its own and an answer waits for all of them at most
``deadline`` seconds in total (``READINESS_DEADLINE`` in a Flask app's config): a
dependency that hangs is reported as not ready in time instead of holding the probe (and
the gunicorn worker) until the orchestrator's own timeout.  A check never runs twice at
once, so a scrape storm against a hung dependency adds waiting requests, not threads; a
check may also keep its answer for ``cache_seconds`` so that frequent probes do not hammer
what they check.  Error texts never show a URL's password nor any of the given secrets.

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
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

from flask import Blueprint, Flask, current_app

log = logging.getLogger(__name__)
ReadinessCheck = Callable[[], object]
Results = dict[str, dict[str, object]]
_EXTENSION = "runnerly.readiness"
# Seconds /readyz waits for its checks, altogether: below the usual 3 s probe timeout.
DEFAULT_DEADLINE = 2.5
DEADLINE_CONFIG = "READINESS_DEADLINE"
# ``scheme://user:password@host``: the password part of any URL in an error message.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the password of every URL in it, and each of ``secrets``, masked."""
    text = _URL_PASSWORD.sub(r"\g<head>:***@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


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

    def begin(self, readiness: Readiness) -> _Run:
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
            target=context.run, args=(self._run, readiness, run), name=f"readyz-{self.name}"
        )
        thread.daemon = True  # a hung dependency must not keep the process from exiting
        thread.start()
        return run

    def _run(self, readiness: Readiness, run: _Run) -> None:
        error = None
        try:
            with readiness.context():
                ok = bool(self.check())
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            ok, error = False, redact(f"{type(exc).__name__}: {exc}", readiness.secrets)[:200]
            log.warning("readiness check %s failed: %s", self.name, error)
        run.finished = time.monotonic()
        run.result = {"ok": ok, "ms": round((run.finished - run.started) * 1000, 1)}
        if error:
            run.result["error"] = error
        run.done.set()


class Readiness:
    """A service's named readiness checks, run side by side within a deadline.

    ``secrets`` are masked in error texts, like URL passwords; ``context`` makes what each
    check runs in (a Flask app's ``app_context``, say).
    """

    def __init__(
        self,
        *,
        secrets: Iterable[str] = (),
        context: Callable[[], AbstractContextManager[object]] = nullcontext,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.secrets = [secret for secret in secrets if secret]
        self.context = context
        self.deadline = deadline
        self._probes: dict[str, _Probe] = {}

    def add(
        self,
        name: str,
        check: ReadinessCheck,
        *,
        cache_seconds: float = 0,
        required: bool = True,
    ) -> None:
        """Register a dependency; ``check`` returns truthy when ready and may raise.

        ``cache_seconds`` keeps an answer that long (a broker, say, that a probe every
        second from several orchestrators should not be asked each time).
        ``required=False``: shown, but its failure leaves the service ready.
        """
        self._probes[name] = _Probe(name, check, cache_seconds, required)

    def run(self, deadline: float | None = None) -> tuple[bool, Results]:
        """(ready, per check ``{ok, ms, error?, required?}``), within ``deadline`` seconds."""
        seconds = self.deadline if deadline is None else deadline
        until = time.monotonic() + seconds
        runs = {name: probe.begin(self) for name, probe in self._probes.items()}
        results: Results = {}
        for name, run in runs.items():
            if run.done.wait(max(0.0, until - time.monotonic())):
                results[name] = dict(run.result)
            else:
                waited = time.monotonic() - run.started
                error = f"no answer within {seconds:g} s"
                results[name] = {"ok": False, "ms": round(waited * 1000, 1), "error": error}
                log.warning("readiness check %s failed: %s", name, error)
            if not self._probes[name].required:
                results[name]["required"] = False
        ready = all(result["ok"] for name, result in results.items() if self._probes[name].required)
        return ready, results

    def answer(self, service: str, deadline: float | None = None) -> tuple[dict[str, object], int]:
        """The body and status of ``GET /readyz``: 200 when ready, else 503."""
        ready, checks = self.run(deadline)
        status = "ready" if ready else "unavailable"
        body: dict[str, object] = {"status": status, "service": service, "checks": checks}
        return body, 200 if ready else 503


def readiness(app: Flask) -> Readiness:
    """The readiness checks of ``app`` (each runs inside its app context)."""
    checks = app.extensions.get(_EXTENSION)
    if checks is None:
        checks = app.extensions[_EXTENSION] = Readiness(context=app.app_context)
    return checks


def add_readiness_check(
    app: Flask,
    name: str,
    check: ReadinessCheck,
    *,
    cache_seconds: float = 0,
    required: bool = True,
) -> None:
    """Register a dependency of ``app`` for ``/readyz``: see :meth:`Readiness.add`."""
    readiness(app).add(name, check, cache_seconds=cache_seconds, required=required)


def blueprint(service: str) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @bp.get("/readyz")
    def readyz() -> tuple[dict[str, object], int]:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        deadline = float(app.config.get(DEADLINE_CONFIG, DEFAULT_DEADLINE))
        return readiness(app).answer(service, deadline)

    return bp
