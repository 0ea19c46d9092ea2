"""The processes and people of the integration tests: a Celery worker (or beat) process
and what the tests read from it, and a runner linked to a strava-sim athlete."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests

from runnerly_common.tasks import TaskDef
from runnerly_common.testing import CeleryProcess

if TYPE_CHECKING:
    from runnerly_common.mailsink import Delivery, MailSink


class Worker:
    """A ``celery worker`` (or beat) process the harness started; its log tells what each
    task did and how long it took, its main process serves /metrics."""

    def __init__(self, celery: CeleryProcess, since: int = 0) -> None:
        self.celery = celery
        self.since = since  # the log a test reads starts here (the session's worker's)

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.celery.process

    @property
    def env(self) -> dict[str, str]:
        return self.celery.env

    def log(self) -> str:
        return self.celery.log_since(self.since)

    def stop(self) -> None:
        self.celery.stop()

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children at once,
        as a lost machine or the OOM killer would; nothing is acknowledged or cleaned up."""
        assert self.celery.running, self.log()
        self.celery.kill()

    def children(self) -> list[int]:
        """The pool's child processes (prefork)."""
        return self.celery.children()

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


def wait_for(predicate: Callable[[], Any], what: str, worker: Worker, timeout: float = 60) -> Any:
    """``predicate()``'s first truthy answer; after ``timeout``, a failure naming ``what``
    with the end of the worker's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what}: not after {timeout}s\n{worker.log()[-4000:]}")


def delivered_to(sink: MailSink, email: str) -> list[Delivery]:
    """What the SMTP sink received for ``email``."""
    return [d for d in sink.deliveries if email in d.rcpt_tos]
