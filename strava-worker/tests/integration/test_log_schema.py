"""The whole output of a real worker and a real beat, from start to a clean stop, is JSON
lines of one schema (the HTTP services' own), and holds none of their secrets.

Celery writes a banner and a few shutdown notes straight to stdout, not through logging; a
line an operator's ``jq`` cannot parse, or a broker URL with its password, would show here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import requests
from celery import Celery

from runnerly_common.celery_context import HEADER
from runnerly_common.tasks import SYNC_RUNNER
from runnerly_common.testing import CeleryProcess, free_port
from runnerly_common.testing.services import start_celery_beat, start_celery_worker, start_webhook

from .helpers import Runner, Worker

KEYS = {"time", "level", "logger", "message", "service", "request_id"}


def json_lines(process: CeleryProcess) -> list[dict[str, Any]]:
    """Every non-empty line of the process's output, each required to be a JSON object of
    the schema."""
    lines = []
    for number, line in enumerate(process.log().splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"{process.name} line {number} is not JSON: {line!r}") from None
        assert isinstance(record, dict) and set(record) >= KEYS, (process.name, line)
        assert record["service"] == "strava-worker", line
        lines.append(record)
    return lines


def about(lines: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if task_id in line["message"]]


def wait_for_line(process: CeleryProcess, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in process.log():
        assert time.monotonic() < deadline, f"no {text!r} in:\n{process.log()}"
        time.sleep(0.2)


def test_worker_and_beat_write_json_lines_with_request_ids_and_no_secrets(
    private_redis, worker_env: dict[str, str], runner: Runner, tmp_path: Path
) -> None:
    # A broker and store behind a password, as in production: the URLs hold it.
    password = f"redis-{uuid.uuid4().hex}"
    redis.Redis.from_url(private_redis.url(0)).config_set("requirepass", password)
    base = f"redis://:{password}@127.0.0.1:{private_redis.port}"
    smtp_password = f"smtp-{uuid.uuid4().hex}"
    settings = {
        "broker_url": f"{base}/1",
        "redis_url": f"{base}/2",
        "smtp_password": smtp_password,
        # beat's first round spreads its syncs over the interval: none runs during the test
        "sync_interval": 3600,
    }
    request_id = f"logtest-{uuid.uuid4().hex}"

    worker = start_celery_worker(
        tmp_path / "worker",
        "logs",
        worker_env,
        pool="prefork",  # the task's lines come from a pool child, as in production
        metrics_port=free_port(),
        **settings,
    )
    with worker, start_celery_beat(tmp_path / "beat", worker_env, **settings) as beat:
        app = Celery(broker=settings["broker_url"])
        task_id = SYNC_RUNNER.send(
            app, {"user_id": runner.user_id}, headers={HEADER: request_id}
        ).id
        app.close()
        runner.wait_synced()
        wait_for_line(worker, f"sync_runner[{task_id}] succeeded")
        wait_for_line(worker, "sync_all[")  # beat's first round, received
        link = runner.link()
    assert not worker.running and not beat.running

    worker_lines, beat_lines = json_lines(worker), json_lines(beat)

    # The task's lines, received (main process) to succeeded (pool child): the id it was sent with.
    task_lines = about(worker_lines, task_id)
    assert [line for line in task_lines if "received" in line["message"]], task_lines
    assert [line for line in task_lines if "succeeded" in line["message"]], task_lines
    assert {line["request_id"] for line in task_lines} == {request_id}, task_lines

    # Beat's sends have ids of their own, and the worker's lines of that task the same one.
    sent = [line for line in beat_lines if "Sending due task" in line["message"]]
    assert sent and all(line["request_id"] for line in sent), beat_lines
    received = [
        line
        for line in worker_lines
        if "sync_all[" in line["message"] and "received" in line["message"]
    ]
    assert received and received[0]["request_id"] == sent[0]["request_id"], received

    # The banners' facts, one line each; the startup and the stop are there too.
    assert [line for line in worker_lines if line["message"].startswith("worker: starting")]
    assert [line for line in beat_lines if line["message"].startswith("beat: starting")]
    assert [line for line in worker_lines if "shutdown" in line["message"].lower()]

    secrets = {
        password,
        smtp_password,
        worker_env["STRAVA_WORKER_CLIENT_SECRET"],
        worker_env["STRAVA_WORKER_STRAVA_CLIENT_SECRET"],
        *(str(value) for key, value in link.items() if "token" in key and value),
    }
    assert len(secrets) >= 5, link  # the runner's Strava tokens among them
    output = worker.log() + beat.log()
    assert [secret for secret in secrets if secret in output] == []
    # No URL's user info either, even with the password masked: only "***".
    assert set(re.findall(r"[a-z+]+://([^/\s@\"]+)@", output)) <= {"***"}, output


def test_a_lost_pool_process_is_logged_with_its_task_s_request_id(
    runner: Runner, start_worker: Callable[..., Worker]
) -> None:
    # The worker's main process writes this line, not the pool process running the task.
    worker = start_worker(pool="prefork", per_page="50", max_pages_per_run="100")
    request_id = f"lost-{uuid.uuid4().hex}"
    app = Celery(broker=worker.env["STRAVA_WORKER_BROKER_URL"])
    task_id = SYNC_RUNNER.send(app, {"user_id": runner.user_id}, headers={HEADER: request_id}).id
    app.close()
    deadline = time.monotonic() + 30
    while runner.link().get("pages_done", 0) < 2:  # mid-backfill
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.05)
    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)
    wait_for_line(worker.celery, "WorkerLostError")
    worker.stop()

    lost = [
        line
        for line in json_lines(worker.celery)
        if "WorkerLostError" in line["message"] and line["level"] == "ERROR"
    ]
    assert lost and {line["request_id"] for line in lost} == {request_id}, lost
    assert {line["task_id"] for line in lost} == {task_id}, lost


def test_the_webhook_intake_writes_json_lines_of_its_own_service_and_no_verify_token(
    private_redis, tmp_path: Path
) -> None:
    verify_token = f"verify-{uuid.uuid4().hex}"
    intake = start_webhook(
        tmp_path / "webhook",
        {},
        verify_token=verify_token,
        broker_url=private_redis.url(1),
        redis_url=private_redis.url(2),
    )
    with intake.process:
        challenge = {"hub.mode": "subscribe", "hub.challenge": "c-1", "hub.verify_token": "wrong"}
        assert requests.get(f"{intake.url}/webhook", params=challenge, timeout=5).status_code == 403
        challenge["hub.verify_token"] = verify_token
        assert requests.get(f"{intake.url}/webhook", params=challenge, timeout=5).ok
    assert not intake.process.running

    lines = []
    for line in filter(str.strip, intake.process.log().splitlines()):
        record = json.loads(line)
        assert set(record) >= KEYS, line
        lines.append(record)
    # gunicorn's lines (start, workers, stop) too: one service name for the whole process.
    assert {line["service"] for line in lines} == {"strava-webhook"}, lines
    assert any(line["logger"].startswith("gunicorn") for line in lines), lines
    assert verify_token not in intake.process.log()
