"""The processes and people of the integration tests: a Celery worker (or beat) process,
a private Redis server, and a runner linked to a strava-sim athlete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
import requests

from runnerly_common.tasks import TaskDef
from runnerly_common.testing import free_port

BIN = Path(sys.executable).parent


class Worker:
    """A ``celery worker`` process; its log tells what each task did and how long it took."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        role: str = "worker",
        pool: str = "solo",
        queues: str = "celery",
    ) -> None:
        self.role = role
        self.pool = pool
        self.queues = queues  # the sync queue, as the launchers' sync workers take it
        self.log_path = log_path
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(BIN / "celery"), "-A", "strava_worker.celery_app", self.role]
        if self.role == "worker":
            command += [
                f"--pool={self.pool}",
                "--concurrency=1",
                f"--queues={self.queues}",
                f"--hostname={self.queues}-{self.log_path.stem}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ]
        else:
            command += ["--schedule", str(self.log_path.with_suffix(".schedule"))]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--loglevel=" + os.environ.get("SW_TEST_LOGLEVEL", "INFO")],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.log_path.parent,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while ("ready." if self.role == "worker" else "Starting...") not in self.log():
            assert self.process.poll() is None, self.log()
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children at once,
        as a lost machine or the OOM killer would; nothing is acknowledged or cleaned up."""
        assert self.process is not None and self.process.poll() is None, self.log()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def children(self) -> list[int]:
        """The pool's child processes (prefork)."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def metrics_url(self) -> str:
        """Where the main process serves /healthz, /readyz and /metrics."""
        return f"http://127.0.0.1:{self.env['STRAVA_WORKER_METRICS_PORT']}"

    def scrape(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """GET /metrics as {(sample name, labels): value}."""
        from prometheus_client.parser import text_string_to_metric_families

        response = requests.get(f"{self.metrics_url}/metrics", timeout=5)
        response.raise_for_status()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def send(self, task: TaskDef, **kwargs: Any) -> str:
        """Enqueue a task as a client would; returns its id."""
        from celery import Celery

        app = Celery(broker=self.env["STRAVA_WORKER_BROKER_URL"])
        task_id = task.send(app, kwargs).id
        app.close()
        return task_id


class RedisServer:
    """A ``redis-server`` of the test's own, without persistence like the machine's, so a test
    can restart it (losing everything in it) without disturbing anyone else's Redis."""

    def __init__(self, binary: str, workdir: Path, port: int | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        client = redis.Redis.from_url(self.url(), socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            assert self.process.poll() is None, (self.workdir / "redis.log").read_text()
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # without persistence nothing is saved
            self.process.wait(10)


class Runner:
    """A dataservice runner linked to a fresh strava-sim athlete."""

    def __init__(self, ds: str, sim: str, session: requests.Session, user_id: int, athlete: int):
        self.ds, self.sim, self.http = ds, sim, session
        self.user_id, self.athlete = user_id, athlete

    def link(self) -> dict[str, Any]:
        response = self.http.get(f"{self.ds}/api/v1/users/{self.user_id}/strava", timeout=5)
        return response.json() if response.status_code == 200 else {}

    def runs(self) -> dict[str, dict[str, Any]]:
        """Every Strava run stored, merged ones included (``source``: the listing without
        it shows a merged group once, by its kept run)."""
        found: dict[str, dict[str, Any]] = {}
        page = 1
        while True:
            body = self.http.get(
                f"{self.ds}/api/v1/users/{self.user_id}/runs",
                params={"page": page, "per_page": 200, "source": "strava"},
                timeout=10,
            ).json()
            found.update({run["external_id"]: run for run in body["items"]})
            if not body["items"] or len(found) >= body.get("total", 0):
                return found
            page += 1

    def run_ids(self) -> list[str]:
        """Every run's ``external_id``, one entry per stored run: a duplicate shows twice."""
        ids: list[str] = []
        page = 1
        while True:
            body = self.http.get(
                f"{self.ds}/api/v1/users/{self.user_id}/runs",
                params={"page": page, "per_page": 200, "source": "strava"},
                timeout=10,
            ).json()
            ids += [run["external_id"] for run in body["items"]]
            if not body["items"]:
                assert len(ids) == body["total"], body
                return ids
            page += 1

    def run_ids_since(self, start: str) -> list[str]:
        """The runs starting at or after ``start``: one small request, for tight polling."""
        body = self.http.get(
            f"{self.ds}/api/v1/users/{self.user_id}/runs",
            params={"from": start, "source": "strava"},
            timeout=5,
        ).json()
        return [run["external_id"] for run in body["items"]]

    def running_activities(self) -> dict[str, dict[str, Any]]:
        body = requests.get(f"{self.sim}/admin/athletes/{self.athlete}/activities", timeout=10)
        return {
            str(a["id"]): a
            for a in body.json()["activities"]
            if a["sport_type"] in {"Run", "TrailRun", "VirtualRun"}
        }

    def wait_synced(self, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            link = self.link()
            if link.get("sync_state") == "idle" and link.get("last_sync_at"):
                return link
            time.sleep(0.3)
        raise AssertionError(f"not synced after {timeout}s: {self.link()}")
