"""Servers run in-process on 127.0.0.1 until stopped: a WSGI app (a stand-in upstream, a
JWKS), and a stand-in for a third party that sets cookies."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args: Any) -> None:  # keep the test output for the test's own logs
        pass


class LiveServer:
    """A WSGI app served on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


class CookieSettingServer:
    """A server on 127.0.0.1 that sets a cookie in every answer, as Strava's does, and keeps
    connections open (werkzeug's development server closes each one), so a test sees both
    what a client sends back and whether it pooled its connections.

    Every request, whatever its method and path, is answered 200 with ``answer`` as JSON and
    ``Set-Cookie: _session=<its number>``; ``seen`` holds, per request, the client's port (a
    new port, a new connection) and the ``Cookie`` header it sent (None without one)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.seen: list[tuple[int, str | None]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.seen.append((self.client_address[1], self.headers.get("Cookie")))
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Set-Cookie", f"_session={len(recorder.seen)}; Path=/")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def cookies_sent(self) -> list[str | None]:
        return [cookie for _, cookie in self.seen]

    @property
    def connections(self) -> int:
        return len({port for port, _ in self.seen})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
