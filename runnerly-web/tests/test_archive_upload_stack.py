"""A Strava export of 20 MB, past the 8 MB one request may carry, sent in parts through the
real gateway (nginx, its upload class and WAF) to runnerly-web processes, and imported by a
real worker to the end (decision 60): the runs are there with activities.csv's names."""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

import requests

from runnerly_common.testing.strava_export import Activity, strava_export

MB = 1024 * 1024
RUNS = [
    Activity(301, "2024-07-01T06:30:00Z", "Sunrise ten"),
    Activity(302, "2024-07-03T18:00:00Z", "Track session", suffix=".gpx.gz"),
    Activity(303, "2024-07-04T08:00:00Z", "Gravel loop", kind="Ride"),
]


def _signed_up(gateway: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    csrf = browser.get(f"{gateway}/api/web/session", timeout=10).json()["csrf_token"]
    answer = browser.post(
        f"{gateway}/api/web/signup",
        json={
            "email": f"stack-{random.getrandbits(40):x}@example.org",
            "password": "plum violin 42 harbour",
            "first_name": "Ada",
            "last_name": "Runner",
        },
        headers={"X-CSRF-Token": csrf},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return browser, answer.json()["csrf_token"]


def test_a_20_mb_export_goes_through_the_gateway_in_parts_and_is_imported(
    live_stack: Any,
) -> None:
    stack = live_stack(
        parts=("redis", "tokendealer", "dataservice", "strava-sim", "workers", "web", "gateway"),
        sync_workers=1,
    )
    gateway = stack.gateway.url
    export = strava_export(RUNS, extra={"media/photo.jpg": random.Random(3).randbytes(20 * MB)})
    browser, csrf = _signed_up(gateway)
    headers = {"X-CSRF-Token": csrf}

    created = browser.post(
        f"{gateway}/api/web/runs/archive/uploads",
        json={
            "filename": "export_stack.zip",
            "size": len(export),
            "sha256": hashlib.sha256(export).hexdigest(),
        },
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    upload = created.json()
    step = upload["chunk_size"]
    # Too large for one request through the gateway: the reason for the parts.
    whole = browser.post(
        f"{gateway}/api/web/runs/archive?filename=export_stack.zip",
        data=export,
        headers={**headers, "Content-Type": "application/octet-stream"},
        timeout=60,
    )
    assert whole.status_code == 413
    for offset in range(0, len(export), step):
        part = export[offset : offset + step]
        sent = browser.put(
            f"{gateway}/api/web/runs/archive/uploads/{upload['id']}/chunks",
            params={"offset": offset, "sha256": hashlib.sha256(part).hexdigest()},
            data=part,
            headers={**headers, "Content-Type": "application/octet-stream"},
            timeout=120,
        )
        assert sent.status_code == 200, sent.text
        upload = sent.json()
    assert upload["state"] == "complete", upload

    deadline = time.monotonic() + 120
    job = upload["job"]
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = browser.get(f"{gateway}/api/web/runs/archive/latest", timeout=10).json()["job"]
    assert job["state"] == "done", job
    assert (job["total"], job["imported"], job["skipped"], job["refused"]) == (3, 2, 1, 0), job
    runs = browser.get(f"{gateway}/api/web/runs", timeout=10).json()
    titles = {run["title"] for run in runs["items"]}
    assert {"Sunrise ten", "Track session"} <= titles
    assert "Gravel loop" not in titles
