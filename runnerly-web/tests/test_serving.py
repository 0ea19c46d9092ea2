"""runnerly-web served as it ships (``runnerly-web serve``: the toolkit's gunicorn config and
runnerly-web's own settings, threads included), with its dataservice 0.6 s away: a request
waiting on the dataservice holds a thread, not the worker process (decision 67)."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice, Tokendealer, start_web

from .helpers import Browser

DELAY = 0.6  # seconds each call to the dataservice spends in transit
# Headers of one connection, not of the message: the link sets its own.
_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
)


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps runnerly-web's connections, as the dataservice does
    server: SlowLink

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        time.sleep(DELAY)
        target = http.client.HTTPConnection(*self.server.target, timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            target.request(self.command, self.path, body=body, headers=headers)
            answer = target.getresponse()
            data = answer.read()
        finally:
            target.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SlowLink(ThreadingHTTPServer):
    """The real dataservice behind a link that holds every call for ``DELAY`` seconds (as
    a slow query or a distant network would): the time a web request spends waiting."""

    daemon_threads = True

    def __init__(self, dataservice_url: str) -> None:
        parts = urlsplit(dataservice_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        super().__init__(("127.0.0.1", free_port()), _Forward)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def slow_web(
    app: Flask, tokendealer: Tokendealer, dataservice: Dataservice, sim: str, tmp_path: Path
) -> Iterator[str]:
    """One ``runnerly-web serve`` worker process on the in-process app's secret and session
    store (a session made there is valid here), calling the dataservice through the link."""
    settings = app.extensions["runnerly.settings"]
    link = SlowLink(dataservice.url)
    web = start_web(
        tmp_path,
        dataservice_url=link.url,
        tokendealer=tokendealer,
        strava_url=sim,
        workers=1,  # threads: runnerly-web's own setting, as shipped
        secret_key=settings.secret_key,
        throttle_db=settings.throttle_db,
        frontend_dist=settings.frontend_dist,
    )
    try:
        yield web.url
    finally:
        web.process.stop()
        link.stop()


def test_requests_waiting_on_the_dataservice_do_not_hold_the_worker(
    browser: Browser, runner: dict[str, Any], slow_web: str
) -> None:
    cookie = browser.client.get_cookie("session")
    assert cookie is not None

    def profile(_: int = 0) -> tuple[int, float]:
        with requests.Session() as client:
            client.cookies.set("session", cookie.value)
            started = time.monotonic()
            answer = client.get(f"{slow_web}/api/web/profile", timeout=30)
            return answer.status_code, time.monotonic() - started

    # The session's check and the runner's token, cached by the process from now on.
    assert profile()[0] == 200
    concurrent = 4  # more requests than the one process
    started = time.monotonic()
    with ThreadPoolExecutor(concurrent) as pool:
        answers = list(pool.map(profile, range(concurrent)))
    elapsed = time.monotonic() - started
    assert [status for status, _ in answers] == [200] * concurrent
    # Each one waited on the dataservice (GET /users/<id>)...
    assert min(took for _, took in answers) >= DELAY
    # ...and they waited side by side: one after the other they take 4 x 0.6 s.
    assert elapsed < 2 * DELAY, f"{concurrent} requests took {elapsed:.2f} s on one process"
