"""Request ids cross a real broker (Redis) into a real Celery worker and on to the tasks it
queues; the worker's log lines are JSON carrying the id and the task."""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging
from flask import Flask

from runnerly_common import celery_context, requestid
from runnerly_common.requestid import current_request_id


@pytest.fixture(scope="module")
def broker(redis_url: str) -> str:
    return f"{redis_url}/15"


class Seen:
    """What the tasks saw, by the marker each test sends."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str | None]] = {}
        self.done = threading.Condition()

    def add(self, marker: str, request_id: str | None) -> None:
        with self.done:
            self.ids.setdefault(marker, []).append(request_id)
            self.done.notify_all()

    def wait(self, marker: str, count: int) -> list[str | None]:
        with self.done:
            assert self.done.wait_for(lambda: len(self.ids.get(marker, [])) >= count, 20)
            return self.ids[marker]


@pytest.fixture(scope="module")
def worker(broker: str) -> Iterator[tuple[Celery, Seen]]:
    celery_context.propagate_request_ids()
    app = Celery("context-test", broker=broker, set_as_current=False)
    queue = f"context-test-{uuid.uuid4().hex[:8]}"
    app.conf.update(task_default_queue=queue, task_ignore_result=True, broker_pool_limit=2)
    seen = Seen()

    @app.task(name="context_test.parent", bind=True)
    def parent(self: Any, marker: str) -> None:
        logging.getLogger("context_test").info("parent ran")
        seen.add(marker, current_request_id())
        child.delay(marker)

    @app.task(name="context_test.child")
    def child(marker: str) -> None:
        seen.add(marker, current_request_id())

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield app, seen
    redis.Redis.from_url(broker).delete(queue)


def test_a_task_queued_during_a_request_runs_with_its_id_and_passes_it_on(
    worker: tuple[Celery, Seen],
) -> None:
    app, seen = worker
    web = Flask("web")
    requestid.init_app(web)

    @web.post("/sync")
    def sync() -> dict[str, str]:
        app.send_task("context_test.parent", kwargs={"marker": "from-request"})
        return {"status": "queued"}

    response = web.test_client().post("/sync", headers={"X-Request-ID": "click-0123456789"})

    assert response.headers["X-Request-ID"] == "click-0123456789"
    assert seen.wait("from-request", 2) == ["click-0123456789", "click-0123456789"]
    assert current_request_id() is None  # nothing leaks into the caller's context


def test_a_task_no_request_queued_gets_an_id_its_own_tasks_share(
    worker: tuple[Celery, Seen],
) -> None:
    app, seen = worker
    app.send_task("context_test.parent", kwargs={"marker": "from-beat"})

    parent_id, child_id = seen.wait("from-beat", 2)

    assert requestid.is_well_formed(parent_id)
    assert child_id == parent_id


def test_a_forged_header_is_replaced(worker: tuple[Celery, Seen]) -> None:
    app, seen = worker
    forged = 'x" injected\n{"level": "ERROR"}'
    app.send_task(
        "context_test.parent",
        kwargs={"marker": "forged"},
        headers={celery_context.HEADER: forged},
    )

    parent_id, _ = seen.wait("forged", 2)

    assert parent_id != forged
    assert requestid.is_well_formed(parent_id)


def test_worker_log_lines_are_json_with_the_request_id_and_task(
    worker: tuple[Celery, Seen], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, seen = worker
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    celery_context.json_worker_logs("test-worker")
    setup_logging.send(sender=None, loglevel=logging.INFO, logfile=None, format="", colorize=False)
    try:
        task_id = app.send_task(
            "context_test.parent",
            kwargs={"marker": "logged"},
            headers={celery_context.HEADER: "logged-0123456789"},
        ).id
        seen.wait("logged", 2)
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        setup_logging.disconnect(dispatch_uid="runnerly.json_worker_logs")

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    ran = [line for line in lines if line["message"] == "parent ran"]
    assert ran, lines
    assert ran[0]["request_id"] == "logged-0123456789"
    assert ran[0]["task"] == "context_test.parent"
    assert ran[0]["task_id"] == task_id
    assert ran[0]["service"] == "test-worker"
