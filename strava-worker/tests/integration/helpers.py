"""The processes and people of the integration tests: a Celery worker (or beat) process
and a runner linked to a strava-sim athlete."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent


class Worker:
    """A ``celery worker`` process; its log tells what each task did and how long it took."""

    def __init__(self, env: dict[str, str], log_path: Path, role: str = "worker") -> None:
        self.role = role
        self.log_path = log_path
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(BIN / "celery"), "-A", "strava_worker.celery_app", self.role]
        if self.role == "worker":
            command += [
                "--pool=solo",
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

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def send(self, task: str, **kwargs: Any) -> None:
        from celery import Celery

        app = Celery(broker=self.env["STRAVA_WORKER_BROKER_URL"])
        app.send_task(f"strava_worker.tasks.{task}", kwargs=kwargs)
        app.close()


class Runner:
    """A dataservice runner linked to a fresh strava-sim athlete."""

    def __init__(self, ds: str, sim: str, session: requests.Session, user_id: int, athlete: int):
        self.ds, self.sim, self.http = ds, sim, session
        self.user_id, self.athlete = user_id, athlete

    def link(self) -> dict[str, Any]:
        response = self.http.get(f"{self.ds}/api/v1/users/{self.user_id}/strava", timeout=5)
        return response.json() if response.status_code == 200 else {}

    def runs(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        page = 1
        while True:
            body = self.http.get(
                f"{self.ds}/api/v1/users/{self.user_id}/runs",
                params={"page": page, "per_page": 200},
                timeout=10,
            ).json()
            found.update({run["external_id"]: run for run in body["items"]})
            if not body["items"] or len(found) >= body.get("total", 0):
                return found
            page += 1

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
