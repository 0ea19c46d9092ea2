"""Deliver webhook events from a background thread, in order, never blocking a request.

Strava tries 3 times in all; each POST waits ``timeout`` seconds (2 s, the time Strava
gives a callback), with a short backoff between attempts.  The thread starts on the first
event, so it is created in each gunicorn worker after the fork, not in the master.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import requests

log = logging.getLogger(__name__)
ATTEMPTS = 3


class Dispatcher:
    def __init__(self, *, timeout: float = 2.0, backoff: float = 0.5) -> None:
        self.timeout = timeout
        self.backoff = backoff
        self._queue: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.delivered = 0
        self.failed = 0

    def send(self, callback_url: str, event: dict[str, Any]) -> None:
        """Queue ``event`` for ``callback_url`` and return at once."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="strava-sim-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put((callback_url, event))

    def wait_idle(self, timeout: float = 10) -> bool:
        """For tests and shutdown: True once every queued event was handled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        http = requests.Session()
        while True:
            url, event = self._queue.get()
            try:
                self._deliver(http, url, event)
            finally:
                self._queue.task_done()

    def _deliver(self, http: requests.Session, url: str, event: dict[str, Any]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = http.post(url, json=event, timeout=self.timeout)
                if 200 <= response.status_code < 300:
                    self.delivered += 1
                    return
                problem = f"status {response.status_code}"
            except requests.RequestException as exc:
                problem = type(exc).__name__
            log.warning(
                "webhook delivery failed",
                extra={"url": url, "attempt": attempt, "problem": problem, **event},
            )
            if attempt < ATTEMPTS:
                time.sleep(self.backoff * attempt)
        self.failed += 1
