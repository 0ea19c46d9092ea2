"""``/api/web/exports``: "Export all my data" from the profile.  Started by the runner (the
worker's task queued), followed with its progress, downloaded as a zip once ready; another
runner's export is not found (the worker's side: strava-worker's test_exports.py; here the
test builds the zip as the worker does, through the dataservice's API)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import redis
import requests
from flask import Flask

from runnerly_common.export_zip import FORMAT, ExportZip
from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.tasks import BUILD_EXPORT
from runnerly_common.testing.services import Dataservice, Tokendealer

from .helpers import Browser, gpx_file


def _worker(tokendealer: Tokendealer) -> requests.Session:
    client_id, secret = tokendealer.client("STRAVA_WORKER_CLIENT")
    return ServiceTokenClient(
        tokendealer.token_url,
        client_id,
        secret,
        audience="dataservice",
        scope="runs:read runs:write",
    ).authorized_session()


def _build(
    worker: requests.Session, dataservice: Dataservice, user_id: int, export_id: int
) -> None:
    """What the worker's build_export does, in short."""
    base = f"{dataservice.api}/users/{user_id}/exports/{export_id}"
    content = worker.get(f"{base}/content", timeout=10).json()
    total = len(content["files"])
    worker.patch(base, json={"state": "building", "done": 0, "total": total}, timeout=10)
    raw = io.BytesIO()
    with ExportZip(raw) as zf:
        for item in content["files"]:
            zf.add(item["name"], worker.get(f"{base}/files/{item['run_id']}", timeout=10).content)
        zf.finish(content["document"])
    data = raw.getvalue()
    octets = {"Content-Type": "application/octet-stream"}
    assert worker.put(f"{base}/chunks/0", data=data, headers=octets, timeout=10).status_code == 204
    worker.patch(base, json={"state": "building", "done": total, "total": total}, timeout=10)
    done = worker.patch(
        base,
        json={"state": "ready", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        timeout=10,
    )
    assert done.status_code == 200, done.text


def _queued(redis_url: str, user_id: int) -> list[dict[str, Any]]:
    """The build_export messages of this runner on the broker's sync queue, newest first."""
    found = []
    for raw in redis.Redis.from_url(redis_url).lrange("celery", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == BUILD_EXPORT.name and f"'user_id': {user_id}," in str(
            headers.get("kwargsrepr")
        ):
            found.append(headers)
    return found


def test_an_export_is_started_followed_and_downloaded(
    app_with_broker: Flask,
    browser: Browser,
    runner: dict[str, Any],
    redis_url: str,
    tokendealer: Tokendealer,
    dataservice: Dataservice,
) -> None:
    assert browser.get("/api/web/exports").json == {"export": None}
    gpx = gpx_file()
    uploaded = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert uploaded.status_code == 201, uploaded.json
    before = _queued(redis_url, runner["id"])  # the shared broker may hold earlier sessions'
    started = browser.post("/api/web/exports")
    assert started.status_code == 202, started.json
    export = started.json
    assert export["state"] == "queued" and "runner_id" not in export
    sent = _queued(redis_url, runner["id"])
    assert len(sent) == len(before) + 1
    kwargs = sent[0]["kwargsrepr"]  # the newest: the broker's list is pushed at its head
    assert "/profile'" in kwargs and f"'user_id': {runner['id']}" in kwargs
    # A second click while it waits: the same export (its task sent again, in case).
    assert browser.post("/api/web/exports").json["id"] == export["id"]
    waiting = browser.get(f"/api/web/exports/{export['id']}/download")
    assert waiting.status_code == 409

    _build(_worker(tokendealer), dataservice, runner["id"], export["id"])
    shown = browser.get("/api/web/exports").json["export"]
    assert (shown["state"], shown["done"], shown["total"]) == ("ready", 1, 1)
    assert shown["expires_at"] > shown["finished_at"]

    download = browser.get(f"/api/web/exports/{export['id']}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="runnerly-export-'
    )
    assert int(download.headers["Content-Length"]) == shown["size"] == len(download.data)
    with zipfile.ZipFile(io.BytesIO(download.data)) as zf:
        document = json.loads(zf.read("runner.json"))
        (run,) = document["runs"]
        assert zf.read(run["file"]) == gpx
    assert document["format"] == FORMAT and document["runner"]["id"] == runner["id"]


def test_another_runners_export_is_not_found(
    app_with_broker: Flask, browser: Browser, runner: dict[str, Any], new_browser: Any
) -> None:
    export = browser.post("/api/web/exports").json
    other = new_browser()
    other.sign_up()
    answer = other.get(f"/api/web/exports/{export['id']}/download")
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
    assert other.get("/api/web/exports").json == {"export": None}


def test_nothing_starts_without_the_worker_and_a_logged_out_browser_is_refused(
    app: Flask, browser: Browser, runner: dict[str, Any], new_browser: Any
) -> None:
    answer = browser.post("/api/web/exports")  # the session's app has no broker
    assert answer.status_code == 503 and answer.json["code"] == "exports_unavailable"
    assert "try again" in answer.json["message"]
    stranger = new_browser()
    assert stranger.get("/api/web/exports").status_code == 401
    assert stranger.get("/api/web/exports/1/download").status_code == 401
