"""``server.serve`` under a real gunicorn: settings from the config files, and /metrics
adding up every worker's counts (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common.testing import ServiceProcess, free_port

SERVED_APP = Path(__file__).with_name("served_app.py")
ITEMS = {"service": "served", "route": "/items/<int:item_id>", "method": "GET", "status": "200"}

Start = Callable[..., tuple[ServiceProcess, str]]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start ``served_app.py`` under gunicorn; every server is stopped after the test."""
    servers: list[ServiceProcess] = []

    def run(workers: int = 2, threads: int = 1, **env: str) -> tuple[ServiceProcess, str]:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = ServiceProcess(
            [sys.executable, str(SERVED_APP), str(port), str(workers), str(threads)],
            ready_url=f"{base}/healthz",
            log_path=tmp_path / f"served-{port}.log",
            env={"TMPDIR": str(tmp_path), **env},
        )
        servers.append(server)
        server.start()
        return server, base

    yield run
    for server in servers:
        server.stop()


def requests_counted(base: str, **labels: str) -> float:
    text = requests.get(f"{base}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "runnerly_http_requests_total" and sample.labels == labels:
                return sample.value
    return 0.0


def worker_pids(base: str) -> set[int]:
    """Pids of the workers that answer two requests made at once (each holds its worker)."""
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{base}/slow", timeout=10), range(4)))
    return {answer.json()["pid"] for answer in answers}


class TestMultiprocessMetrics:
    def test_every_scrape_reports_the_sum_over_all_workers(self, start: Start) -> None:
        _server, base = start(workers=2)
        assert len(worker_pids(base)) == 2  # both workers served requests
        for item_id in range(25):
            requests.get(f"{base}/items/{item_id}", timeout=5).raise_for_status()
        # Each scrape reaches one worker or the other: all must see all 25 requests.
        scrapes = [requests_counted(base, **ITEMS) for _ in range(10)]
        assert scrapes == [25.0] * 10
        slow = {**ITEMS, "route": "/slow"}
        assert requests_counted(base, **slow) == 4

    def test_the_counts_of_a_worker_that_exited_are_kept(self, start: Start) -> None:
        _server, base = start(workers=2)
        pids = worker_pids(base)
        for item_id in range(10):
            requests.get(f"{base}/items/{item_id}", timeout=5).raise_for_status()
        os.kill(pids.pop(), signal.SIGTERM)  # gunicorn replaces it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(worker_pids(base) - pids) == 0:
            pass
        assert requests_counted(base, **ITEMS) == 10

    def test_the_histogram_adds_up_too(self, start: Start) -> None:
        _server, base = start(workers=2)
        worker_pids(base)
        text = requests.get(f"{base}/metrics", timeout=5).text
        name = "runnerly_http_request_duration_seconds"
        labels = {"service": "served", "route": "/slow", "method": "GET"}
        values = {
            (sample.name, sample.labels.get("le")): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name.startswith(name)
            and {k: v for k, v in sample.labels.items() if k != "le"} == labels
        }
        assert values[(f"{name}_count", None)] == 4
        assert values[(f"{name}_bucket", "0.25")] == 0  # each took half a second
        assert values[(f"{name}_bucket", "1.0")] == 4
        assert values[(f"{name}_sum", None)] >= 2.0

    def test_process_metrics_cover_the_master_and_its_workers(self, start: Start) -> None:
        server, base = start(workers=2)
        text = requests.get(f"{base}/metrics", timeout=5).text
        samples = {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if not sample.labels
        }
        one_process = 10 * 1024 * 1024
        # Three Python processes (the master and two workers): well above one's memory.
        assert samples["process_resident_memory_bytes"] > 3 * one_process
        assert samples["process_start_time_seconds"] > 0
        assert server.process is not None
        builds = [line for line in text.splitlines() if line.startswith("runnerly_build_info")]
        assert len(builds) == 1 and 'service="served"' in builds[0]

    def test_a_fresh_directory_is_made_for_each_start_and_removed_at_stop(
        self, start: Start, tmp_path: Path
    ) -> None:
        server, _base = start(workers=1)
        made = list(tmp_path.glob("runnerly-metrics-*"))
        assert len(made) == 1 and any(made[0].iterdir())
        server.stop()
        assert not made[0].exists()

    def test_an_operators_directory_is_emptied_at_start(self, start: Start, tmp_path: Path) -> None:
        directory = tmp_path / "prometheus"
        directory.mkdir()
        # An earlier run's counts: they must not be added to this run's.
        (directory / "counter_4242.db").write_bytes(b"\0" * 4096)
        (directory / "README").write_text("not prometheus-client's: kept")
        _server, base = start(workers=1, PROMETHEUS_MULTIPROC_DIR=str(directory))
        assert not (directory / "counter_4242.db").exists()
        assert (directory / "README").exists()
        requests.get(f"{base}/items/1", timeout=5).raise_for_status()
        assert requests_counted(base, **ITEMS) == 1


class TestConfigFiles:
    def test_the_shared_file_then_the_operators_file_then_gunicorn_cmd_args(
        self, start: Start, tmp_path: Path
    ) -> None:
        report = tmp_path / "report.json"
        operator_file = tmp_path / "operator.py"
        operator_file.write_text(
            "import json, os\n"
            "workers = 2\n"
            "timeout = 45\n"
            "graceful_timeout = 7\n"
            "bind = '0.0.0.0:1'  # the service's settings decide where it listens\n"
            "def post_worker_init(worker):\n"
            "    cfg = worker.cfg\n"
            f"    with open({str(report)!r}, 'w') as out:\n"
            "        json.dump({'workers': cfg.workers, 'timeout': cfg.timeout,\n"
            "                   'graceful_timeout': cfg.graceful_timeout,\n"
            "                   'keepalive': cfg.keepalive, 'bind': cfg.bind,\n"
            "                   'logger': cfg.logger_class.__name__}, out)\n"
        )
        _server, base = start(
            workers=0,  # <PREFIX>WORKERS unset: the config files decide
            GUNICORN_CMD_ARGS=f"--config {operator_file} --graceful-timeout 9",
        )
        assert report.exists()
        assert json.loads(report.read_text()) == {
            "workers": 2,  # the operator's file
            "timeout": 45,  # the operator's file over the shared one's 30
            "graceful_timeout": 9,  # GUNICORN_CMD_ARGS over the operator's file
            "keepalive": 75,  # the shared file
            "bind": [base.removeprefix("http://")],  # the service's settings
            "logger": "JsonLogger",  # the shared file
        }
        assert len(worker_pids(base)) == 2

    def test_gunicorns_own_lines_are_json(self, start: Start) -> None:
        server, _base = start(workers=1)
        server.stop()
        lines = [line for line in server.log().splitlines() if line.strip()]
        gunicorn_lines = [json.loads(line) for line in lines if '"logger": "gunicorn' in line]
        messages = [line["message"] for line in gunicorn_lines]
        assert any(message.startswith("Booting worker") for message in messages)
        assert all(line["service"] == "runnerly" for line in gunicorn_lines)


def peers_of_one_client(base: str, requests_made: int) -> list[str]:
    """The connection each of ``requests_made`` requests from one HTTP/1.1 client arrived
    on, as the server saw it (the client reuses its connection whenever it may)."""
    with requests.Session() as client:
        return [client.get(f"{base}/peer", timeout=5).json()["peer"] for _ in range(requests_made)]


class TestThreads:
    """``<PREFIX>THREADS``: a request that waits holds a thread, not the process, and the
    connections of callers (the gateway's pool, another service's session) are kept."""

    def test_one_process_serves_several_waiting_requests_at_once(self, start: Start) -> None:
        _server, base = start(workers=1, threads=4)
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: requests.get(f"{base}/slow", timeout=10), range(4)))
        elapsed = time.monotonic() - started
        assert len({answer.json()["pid"] for answer in answers}) == 1
        # Four 0.5 s waits side by side; one after the other they take 2 s.
        assert elapsed < 1.5, f"4 waiting requests on 4 threads took {elapsed:.2f} s"

    def test_a_threaded_worker_keeps_the_connection(self, start: Start) -> None:
        _server, base = start(workers=1, threads=2)
        assert len(set(peers_of_one_client(base, 20))) == 1

    def test_a_sync_worker_closes_every_connection(self, start: Start) -> None:
        # What one thread (the default) still means: the reason services ask for more.
        _server, base = start(workers=1, threads=1)
        assert len(set(peers_of_one_client(base, 5))) == 5

    def test_the_worker_class_follows_the_threads(self, start: Start, tmp_path: Path) -> None:
        report = tmp_path / "report.json"
        operator_file = tmp_path / "operator.py"
        operator_file.write_text(
            "import json\n"
            "def post_worker_init(worker):\n"
            f"    with open({str(report)!r}, 'w') as out:\n"
            "        json.dump({'class': type(worker).__name__,\n"
            "                   'threads': worker.cfg.threads}, out)\n"
        )
        start(workers=1, threads=3, GUNICORN_CMD_ARGS=f"--config {operator_file}")
        assert json.loads(report.read_text()) == {"class": "ThreadWorker", "threads": 3}
