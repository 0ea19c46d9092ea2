"""/readyz answers in time whatever its dependencies do, and never shows a secret; the HTTP
server answers its three routes.  Nothing but local sockets and SQLite files here."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from strava_worker.health_server import HealthServer
from strava_worker.readiness import Dependencies, run_checks, scrub
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


def test_a_hanging_check_is_reported_without_making_the_probe_hang():
    started = time.monotonic()
    ready, checks = run_checks({"fast": lambda: True, "hangs": lambda: time.sleep(3)}, timeout=0.3)
    assert time.monotonic() - started < 1
    assert not ready
    assert checks["fast"]["ok"] and "error" not in checks["fast"]
    assert checks["hangs"] == {
        "ok": False,
        "ms": checks["hangs"]["ms"],
        "error": checks["hangs"]["error"],
    }
    assert "no answer within 0.3 s" in checks["hangs"]["error"]


def test_a_failing_check_names_the_error_but_no_secret():
    def fails() -> bool:
        raise ConnectionError(f"redis://:{SECRET}@10.0.0.1:6379/0 refused (token {SECRET})")

    ready, checks = run_checks({"store": fails}, secrets=[SECRET])
    assert not ready
    error = checks["store"]["error"]
    assert error.startswith("ConnectionError: ") and "refused" in error
    assert SECRET not in error


def test_a_url_password_is_hidden_even_when_not_named_as_a_secret():
    text = scrub("cannot reach amqp://runnerly:hunter2@broker:5672//", [])
    assert text == "cannot reach amqp://runnerly:***@broker:5672//"


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
    deps = Dependencies(settings)
    started = time.monotonic()
    ready, checks = run_checks(deps.checks(), deps.secrets())
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
    )
    deps = Dependencies(settings)
    started = time.monotonic()
    _, checks = run_checks({"broker": deps.checks()["broker"]}, deps.secrets())
    assert time.monotonic() - started < 2
    assert not checks["broker"]["ok"] and "Connection refused" in checks["broker"]["error"]
    assert SECRET not in checks["broker"]["error"]


class TestServer:
    @pytest.fixture
    def base(self) -> Iterator[str]:
        checks = {"broker": {"ok": False, "ms": 1.0, "error": "refused"}}
        server = HealthServer(
            "127.0.0.1",
            0,
            lambda: (False, checks),
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
        assert response.json() == {
            "status": "unavailable",
            "service": "strava-worker",
            "checks": {"broker": {"ok": False, "ms": 1.0, "error": "refused"}},
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
