"""The gateway keeps its connections to a service: a gunicorn served as every Runnerly
service is (``runnerly_common.server.serve``) sees a handful of connections for many
requests when its workers are threaded (decision 67), and a new one per request when they
are sync workers, which close every connection after answering."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from runnerly_common.testing import ServiceProcess, free_port

SERVED = Path(__file__).with_name("served_upstream.py")
REQUESTS = 50
# Enough for 50 requests at once from one address: the limits are not what is tested.
UNLIMITED_WEB = {"classes": {"web": {"rate": "1000r/s", "burst": 1000}}}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[[int], str]]:
    """Start ``served_upstream.py`` with that many threads; its host:port."""
    servers: list[ServiceProcess] = []

    def start(threads: int) -> str:
        port = free_port()
        server = ServiceProcess(
            [sys.executable, str(SERVED), str(port), str(threads)],
            ready_url=f"http://127.0.0.1:{port}/healthz",
            log_path=tmp_path / f"served-{port}.log",
            env={"TMPDIR": str(tmp_path)},
        )
        servers.append(server)
        server.start()
        return f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop()


def peers_through(gw: Any) -> list[str]:
    """The connection each request reached the service on, one new client connection per
    request: only the gateway's own connections to the service can be reused."""
    peers = []
    for _ in range(REQUESTS):
        answer = requests.get(gw.url("/peer"), timeout=5)
        assert answer.status_code == 200, answer.text
        peers.append(answer.json()["peer"])
    return peers


def test_a_threaded_service_keeps_the_gateways_connections(
    gateway: Callable[..., Any], served: Callable[[int], str]
) -> None:
    gw = gateway(web_upstream=(served(2),), limits=UNLIMITED_WEB)
    # One nginx worker, one request at a time: one connection, kept.
    assert len(set(peers_through(gw))) == 1


def test_a_sync_service_gets_a_new_connection_for_every_request(
    gateway: Callable[..., Any], served: Callable[[int], str]
) -> None:
    gw = gateway(web_upstream=(served(1),), limits=UNLIMITED_WEB)
    # (>= rather than ==: the kernel may hand out a client port again.)
    assert len(set(peers_through(gw))) >= REQUESTS - 5
