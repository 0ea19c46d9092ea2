"""The worker's /readyz checks what its tasks need, in time and without a secret (the
toolkit's Readiness runs them); the HTTP server answers its three routes.  Nothing but local
sockets and SQLite files here."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from runnerly_common.health import Readiness
from strava_worker.health_server import HealthServer
from strava_worker.readiness import Dependencies
from strava_worker.settings import WorkerSettings

SECRET = "s3cret-client-secret"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel's backlog) and never answers: a hung dependency."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# kombu's SQLAlchemy transport uses a loader option SQLAlchemy 2 deprecates (kombu's to fix).
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_local_defaults_are_ready_on_the_sqlite_files_and_say_which_services_are_down(
    tmp_path, silent_server
):
    settings = WorkerSettings.load(
        environ={},
        broker_url=f"sqla+sqlite:///{tmp_path}/broker.db",
        budget_path=str(tmp_path / "budget.db"),
        dataservice_url=silent_server,
        token_url=f"http://127.0.0.1:{closed_port()}/oauth/token",
        client_secret=SECRET,
    )
    started = time.monotonic()
    ready, checks = Dependencies(settings).readiness().run()
    assert time.monotonic() - started < 3
    assert not ready
    assert set(checks) == {"broker", "store", "dataservice", "tokendealer"}
    assert checks["broker"]["ok"] and checks["store"]["ok"], checks
    assert "timed out" in checks["dataservice"]["error"].lower()
    assert "tokendealer unreachable" in checks["tokendealer"]["error"]
    assert SECRET not in str(checks)


def test_the_broker_check_fails_fast_on_a_redis_that_is_not_there(tmp_path):
    settings = WorkerSettings.load(
        environ={},
        broker_url=f"redis://:{SECRET}@127.0.0.1:{closed_port()}/0",
        budget_path=str(tmp_path / "budget.db"),
        dataservice_url=f"http://127.0.0.1:{closed_port()}",
        token_url=f"http://127.0.0.1:{closed_port()}/oauth/token",
    )
    started = time.monotonic()
    _, checks = Dependencies(settings).readiness().run()
    assert time.monotonic() - started < 2
    assert not checks["broker"]["ok"] and "Connection refused" in checks["broker"]["error"]
    assert SECRET not in checks["broker"]["error"]


class TestServer:
    @pytest.fixture
    def base(self) -> Iterator[str]:
        def broker() -> bool:
            raise ConnectionError("refused")

        readiness = Readiness()
        readiness.add("broker", broker)
        server = HealthServer(
            "127.0.0.1",
            0,
            readiness,
            lambda accept: (b"strava_worker_queue_length 0.0\n", "text/plain; version=0.0.4"),
            "strava-worker",
        )
        server.start()
        yield "http://{}:{}".format(*server.address)
        server.stop()

    def test_healthz_says_the_process_answers(self, base):
        response = requests.get(f"{base}/healthz", timeout=2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "service": "strava-worker"}

    def test_readyz_is_503_with_each_check_when_one_is_down(self, base):
        response = requests.get(f"{base}/readyz", timeout=2)
        assert response.status_code == 503
        body = response.json()
        assert body == {
            "status": "unavailable",
            "service": "strava-worker",
            "checks": {
                "broker": {
                    "ok": False,
                    "ms": body["checks"]["broker"]["ms"],
                    "error": "ConnectionError: refused",
                }
            },
        }

    def test_metrics_are_prometheus_text(self, base):
        response = requests.get(f"{base}/metrics", timeout=2)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "strava_worker_queue_length" in response.text

    def test_another_path_is_a_json_404(self, base):
        response = requests.get(f"{base}/admin", timeout=2)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
