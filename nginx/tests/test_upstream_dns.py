"""Upstreams that move: a service recreated under the same name, with a new address, is
followed by the running gateway within GATEWAY_RESOLVER_VALID seconds, without a restart."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from conftest import UPSTREAM_DOWN, echo_app
from werkzeug.serving import BaseWSGIServer, make_server

from runnerly_common.testing import free_port

NAME = "web.runnerly.test"


class DnsServer:
    """Answers A questions on 127.0.0.1:<port> from ``records`` (name -> address); any other
    name gets NXDOMAIN. Enough DNS for the gateway's resolver, as compose's embedded one."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.questions = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.address = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                data, peer = self._sock.recvfrom(512)
            except TimeoutError:
                continue
            self._sock.sendto(self.answer(data), peer)

    def answer(self, query: bytes) -> bytes:
        (query_id,) = struct.unpack("!H", query[:2])
        labels, pos = [], 12
        while query[pos]:
            labels.append(query[pos + 1 : pos + 1 + query[pos]].decode())
            pos += query[pos] + 1
        question = query[12 : pos + 5]
        self.questions += 1
        address = self.records.get(".".join(labels).lower())
        if address is None:
            return struct.pack("!HHHHHH", query_id, 0x8183, 1, 0, 0, 0) + question
        # The answer names the question by a pointer to offset 12; TTL 600 as compose's DNS.
        record = struct.pack("!HHHIH", 0xC00C, 1, 1, 600, 4) + socket.inet_aton(address)
        return struct.pack("!HHHHHH", query_id, 0x8180, 1, 1, 0, 0) + question + record

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._sock.close()


@pytest.fixture
def dns() -> Iterator[DnsServer]:
    server = DnsServer()
    yield server
    server.stop()


class Upstream:
    """An echo server naming itself, on a given loopback address."""

    def __init__(self, host: str, port: int, service: str) -> None:
        self._server: BaseWSGIServer = make_server(host, port, echo_app(service), threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _serving(session: requests.Session, url: str) -> str | int:
    response = session.get(url, timeout=5)
    return response.json()["service"] if response.status_code == 200 else response.status_code


def _wait_for(check: Callable[[], Any], expected: Any, seconds: float) -> list[Any]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.append(check())
        if seen[-1] == expected:
            break
        time.sleep(0.1)
    return seen


def test_a_recreated_upstream_is_followed_without_a_restart(
    gateway: Callable[..., Any], dns: DnsServer, session: requests.Session
) -> None:
    port = free_port()
    dns.records[NAME] = "127.0.0.2"
    first = Upstream("127.0.0.2", port, "web-first")
    gw = gateway(
        web_upstream=(f"{NAME}:{port}",),
        resolver=(dns.address,),
        resolver_valid=1,
        # The old container's address refuses connections until the new answer is used.
        allowed_errors=[UPSTREAM_DOWN],
    )
    try:
        assert _serving(session, gw.url("/")) == "web-first"
        # A second request reuses the kept-alive connection, and the answer is cached.
        questions = dns.questions
        assert _serving(session, gw.url("/")) == "web-first"
        assert dns.questions == questions
    finally:
        first.stop()

    # `docker compose up -d` recreates the container: same name and port, new address.
    second = Upstream("127.0.0.3", port, "web-second")
    dns.records[NAME] = "127.0.0.3"
    try:
        seen = _wait_for(lambda: _serving(session, gw.url("/")), "web-second", seconds=4)
        assert seen[-1] == "web-second", f"still answering {seen[-5:]} after 4 s"
        # Within GATEWAY_RESOLVER_VALID (1 s) and a retry, not forever.
        assert len(seen) <= 25
        assert all(_serving(session, gw.url("/")) == "web-second" for _ in range(5))
        ready = session.get(gw.status_url("/readyz"), timeout=5)
        assert ready.json()["checks"]["web"]["ok"] is True
    finally:
        second.stop()


def test_a_name_the_resolver_does_not_know_is_a_json_502(
    gateway: Callable[..., Any], dns: DnsServer, session: requests.Session
) -> None:
    gw = gateway(
        dataservice_upstream=(f"missing.runnerly.test:{free_port()}",),
        resolver=(dns.address,),
        allowed_errors=[r"cannot resolve upstream dataservice: missing\.runnerly\.test: .*no such"],
    )
    response = session.get(gw.url("/api/v1/users"), timeout=5)
    assert response.status_code == 502
    assert response.json()["code"] == "bad_gateway"
    # The rest of the gateway serves on.
    assert session.get(gw.url("/"), timeout=5).status_code == 200
    ready = session.get(gw.status_url("/readyz"), timeout=5).json()
    assert ready["checks"]["dataservice"]["ok"] is False
    assert "no such name" in ready["checks"]["dataservice"]["error"]


def test_addresses_alone_stay_nginx_upstreams(gateway: Callable[..., Any]) -> None:
    """Local development's 127.0.0.1:<port> upstreams are today's static upstream blocks."""
    gw = gateway(resolver=("127.0.0.1:1",))
    conf = (gw.prefix / "nginx.conf").read_text(encoding="utf-8")
    assert "balancer_by_lua_block" not in conf


class _KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections stay open between requests

    def do_GET(self) -> None:
        body = b'{"service": "web"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        self.connections += 1
        return super().get_request()


def test_connections_to_a_resolved_upstream_are_kept_alive(
    gateway: Callable[..., Any], dns: DnsServer, session: requests.Session
) -> None:
    port = free_port()
    dns.records[NAME] = "127.0.0.2"
    server = _CountingServer(("127.0.0.2", port), _KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        gw = gateway(web_upstream=(f"{NAME}:{port}",), resolver=(dns.address,))
        for _ in range(5):
            # A new client connection each time: only the gateway's side is kept.
            assert requests.get(gw.url("/"), timeout=5).json() == {"service": "web"}
        assert server.connections == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
