"""A small HTTP server in the worker's main process: ``/healthz``, ``/readyz``, ``/metrics``.

Celery has no HTTP side, so the standard library's threaded server runs in a daemon thread
next to the worker's event loop.  It only reads: its answers come from the readiness checks
(the toolkit's, as a Flask app's ``/readyz``) and the metrics files, never from the pool
children (which may all be busy).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runnerly_common.health import Readiness

log = logging.getLogger(__name__)
Metrics = Callable[[str], tuple[bytes, str]]
_servers: list[ThreadingHTTPServer] = []


def _close_in_child() -> None:
    # A pool child forked while the server runs holds a copy of the listening socket; it
    # never answers on it, and must not keep the port bound after the main process exits.
    for server in _servers:
        server.socket.close()


os.register_at_fork(after_in_child=_close_in_child)


class HealthServer:
    def __init__(
        self, host: str, port: int, readiness: Readiness, metrics: Metrics, service: str
    ) -> None:
        self.service = service
        self.readiness = readiness
        self.metrics = metrics
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health-server", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        _servers.append(self._server)
        self._thread.start()
        log.info("health and metrics on http://%s:%s", *self.address)

    def stop(self) -> None:
        if self._server in _servers:
            _servers.remove(self._server)
            self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "strava-worker"

            def do_GET(self) -> None:
                try:
                    self._route(self.path.split("?", 1)[0])
                except Exception:
                    log.exception("health server: %s failed", self.path)
                    self._json(500, {"error": "internal", "message": "see the worker's log"})

            def _route(self, path: str) -> None:
                if path == "/healthz":
                    self._json(200, {"status": "ok", "service": outer.service})
                elif path == "/readyz":
                    body, status = outer.readiness.answer(outer.service)
                    self._json(status, body)
                elif path == "/metrics":
                    content, content_type = outer.metrics(self.headers.get("Accept", ""))
                    self._send(200, content, content_type)
                else:
                    self._json(404, {"error": "not_found", "message": f"no route {path}"})

            def _json(self, status: int, body: dict[str, object]) -> None:
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, content: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("health server: " + format, *args)

        return Handler
