"""What an operator relies on, on the stack `make run` starts: every service's /readyz names
its dependencies, /metrics has the agreed series, and one click's request id can be followed
in the logs from the gateway through the web app and the dataservice into the Celery task it
queued (and that task's own calls to the dataservice)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from runnerly_common.testing.procfile import GATEWAY_URL, ROOT, ProcfileStack

# Each service's own port (never published through the gateway) and what /readyz must name.
READY = {
    "tokendealer": ("http://127.0.0.1:5001", {"database", "signing_key"}),
    "dataservice": ("http://127.0.0.1:5002", {"database", "jwks"}),
    "strava-sim": ("http://127.0.0.1:5004", {"database"}),
    "strava-webhook": ("http://127.0.0.1:5005", {"broker"}),
    "runnerly-web": ("http://127.0.0.1:5000", {"dataservice", "tokendealer", "broker"}),
    "strava-worker": ("http://127.0.0.1:5006", {"broker", "store", "dataservice", "tokendealer"}),
    "gateway": ("http://127.0.0.1:8081", {"web", "dataservice", "tokendealer", "webhook"}),
}
HTTP_SERIES = ("runnerly_http_requests_total", "runnerly_http_request_duration_seconds_bucket")
SERIES = {
    "tokendealer": HTTP_SERIES,
    "dataservice": HTTP_SERIES,
    "strava-sim": HTTP_SERIES,
    "strava-webhook": HTTP_SERIES,
    "runnerly-web": HTTP_SERIES,
    "strava-worker": (
        "strava_worker_tasks_total",
        "strava_worker_task_duration_seconds_bucket",
        "strava_worker_strava_budget_remaining",
        "strava_worker_sync_lag_seconds",
    ),
    "gateway": (
        "runnerly_gateway_requests_total",
        "runnerly_gateway_request_duration_seconds_bucket",
        "runnerly_gateway_upstream_duration_seconds_bucket",
    ),
}


def _env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


@pytest.mark.parametrize("service", READY)
def test_readyz_names_each_dependency_and_its_state(stack: ProcfileStack, service: str) -> None:
    base, expected = READY[service]
    deadline = time.monotonic() + 30  # the worker's first checks may still be running
    while True:
        response = requests.get(f"{base}/readyz", timeout=10)
        body = response.json()
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert expected <= set(body["checks"]), body
    assert all(check["ok"] is True for check in body["checks"].values()), body


@pytest.mark.parametrize("service", SERIES)
def test_metrics_expose_the_series_operators_alert_on(stack: ProcfileStack, service: str) -> None:
    base, _ = READY[service]
    requests.get(f"{base}/healthz", timeout=5)  # at least one request counted
    response = requests.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    names = {line.split("{")[0].split(" ")[0] for line in response.text.splitlines() if line}
    missing = [name for name in SERIES[service] if name not in names]
    assert not missing, f"{service} lacks {missing}:\n{response.text[:2000]}"


def test_the_services_status_routes_are_not_public(stack: ProcfileStack) -> None:
    for path in ("/metrics", "/readyz"):
        response = requests.get(f"{GATEWAY_URL}{path}", timeout=5)
        assert response.status_code == 404, (path, response.text[:200])
        assert response.json()["code"] == "not_found"


def _lines_with(stack: ProcfileStack, request_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(process, JSON record) of every log line carrying the id (honcho prefixes each line
    with the time and the process name: ``12:00:00 web.1 | {...}``)."""
    found = []
    for line in stack.log_path.read_text(errors="replace").splitlines():
        head, sep, payload = line.partition(" | ")
        if not sep or request_id not in payload:
            continue
        try:
            record = json.loads(payload)
        except json.JSONDecodeError:
            continue
        if request_id in (record.get("request_id"), record.get("id")):
            found.append((head.split()[-1].split(".")[0], record))
    return found


def test_one_clicks_request_id_is_followed_from_the_gateway_into_the_celery_task(
    stack: ProcfileStack,
) -> None:
    secrets = _env(ROOT / "var" / "dev" / "runnerly.env")
    browser = requests.Session()
    csrf = browser.get(f"{GATEWAY_URL}/api/web/session", timeout=10).json()["csrf_token"]
    login = browser.post(
        f"{GATEWAY_URL}/api/web/login",
        json={"email": "demo@runnerly.local", "password": secrets["RUNNERLY_DEMO_PASSWORD"]},
        headers={"X-CSRF-Token": csrf},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    # Beat's first round may still be importing the demo runner's history: pressed then,
    # the task finds the runner's lock taken and does nothing worth following.
    deadline = time.monotonic() + 180
    while browser.get(f"{GATEWAY_URL}/api/web/strava", timeout=10).json()["sync_state"] != "idle":
        assert time.monotonic() < deadline, "the demo runner's first sync did not finish"
        time.sleep(1)
    request_id = f"trace-{uuid.uuid4().hex}"

    response = browser.post(
        f"{GATEWAY_URL}/api/web/strava/sync",
        headers={"X-CSRF-Token": login.json()["csrf_token"], "X-Request-ID": request_id},
        timeout=10,
    )

    assert response.status_code == 202, response.text
    assert response.headers["X-Request-ID"] == request_id
    deadline = time.monotonic() + 60
    while True:
        lines = _lines_with(stack, request_id)
        task_lines = [r for p, r in lines if p == "strava-worker" and "task" in r]
        finished = any(r["message"].startswith("sync of runner") for r in task_lines)
        if finished or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    by_process = {process for process, _ in lines}
    assert {"gateway", "web", "dataservice", "strava-worker"} <= by_process, lines
    assert task_lines and task_lines[0]["task"] == "strava_worker.tasks.sync_runner", lines
    assert finished, task_lines
    # The task's own calls carry the id on: the worker (not the web app) writes the link's
    # sync progress with PATCH.
    dataservice = [r for p, r in lines if p == "dataservice" and r.get("message") == "request"]
    assert {"GET", "PATCH"} <= {r["method"] for r in dataservice}, dataservice
