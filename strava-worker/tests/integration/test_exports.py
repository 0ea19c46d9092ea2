"""A runner's data export, end to end: runs and streams in a real dataservice,
``build_export`` through the broker to a real worker, the zip stored in the dataservice
with its progress, the "ready" mail in an SMTP sink; ``expire_exports`` deletes it once
its time is past."""

from __future__ import annotations

import io
import json
import sqlite3
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import requests

from runnerly_common.export_zip import FORMAT
from runnerly_common.mailsink import MailSink
from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.tasks import BUILD_EXPORT, EXPIRE_EXPORTS
from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice

from .helpers import Worker, wait_for

PROFILE = "https://runnerly.example/profile"


def _streams(points: int = 120, lat0: float = 45.0) -> dict[str, Any]:
    step = 25.0 / 111_195.0
    return {
        "time": [i * 8 for i in range(points)],
        "distance": [i * 25.0 for i in range(points)],
        "latlng": [[round(lat0 + i * step, 6), 6.0] for i in range(points)],
        "altitude": [300.0 + i % 7 for i in range(points)],
        "heartrate": [150] * points,
        "cadence": [88] * points,
    }


@pytest.fixture
def ds_session(worker_env: dict) -> requests.Session:
    """The worker's own client."""
    return ServiceTokenClient(
        worker_env["STRAVA_WORKER_TOKEN_URL"],
        worker_env["STRAVA_WORKER_CLIENT_ID"],
        worker_env["STRAVA_WORKER_CLIENT_SECRET"],
        audience="dataservice",
        scope="users:read runs:read runs:write",
    ).authorized_session()


@pytest.fixture
def sink_port() -> int:
    return free_port()


@pytest.fixture
def sink(tmp_path: Path, sink_port: int) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail", port=sink_port) as running:
        yield running


@pytest.fixture
def exporting_runner(
    make_user: Callable[..., int], dataservice: Dataservice, ds_session: requests.Session
) -> dict[str, Any]:
    """A runner with three Strava runs (their streams kept) and a manual one."""
    email = f"eve-{uuid.uuid4().hex[:8]}@example.org"
    user_id = make_user(email, first_name="Eve")
    api = f"{dataservice.api}/users/{user_id}"
    runs = [
        {
            "source": "strava",
            "external_id": f"ex{n}",
            "start_time": f"2019-05-0{n}T06:00:00Z",
            "title": f"Morning {n}",
            "distance": 2975.0,
            "moving_time": 952,
            "elapsed_time": 952,
        }
        for n in (1, 2, 3)
    ]
    runs.append({**runs[0], "source": "manual", "external_id": "m1", "title": "Treadmill"})
    answer = ds_session.post(f"{api}/runs/batch", json={"runs": runs}, timeout=10)
    assert answer.status_code == 200, answer.text
    for n in (1, 2, 3):
        answer = ds_session.put(
            f"{api}/strava/streams/ex{n}", json={"streams": _streams(lat0=45 + n)}, timeout=10
        )
        assert answer.status_code == 200, answer.text
    return {"id": user_id, "email": email, "api": api}


def test_the_worker_builds_the_export_stores_it_and_mails_the_runner(
    start_worker: Callable[..., Worker],
    sink: MailSink,
    sink_port: int,
    exporting_runner: dict[str, Any],
    ds_session: requests.Session,
    dataservice: Dataservice,
) -> None:
    api = exporting_runner["api"]
    started = ds_session.post(f"{api}/exports", timeout=10)
    assert started.status_code == 201, started.text
    export_id = started.json()["id"]
    worker = start_worker(smtp_host="127.0.0.1", smtp_port=str(sink_port), fresh=True)
    worker.send(
        BUILD_EXPORT, user_id=exporting_runner["id"], export_id=export_id, profile_url=PROFILE
    )

    def ready() -> dict[str, Any] | None:
        shown = ds_session.get(f"{api}/exports/{export_id}", timeout=10).json()
        return shown if shown["state"] == "ready" else None

    export = wait_for(ready, "the export ready", worker)
    assert (export["done"], export["total"]) == (3, 3)
    download = ds_session.get(f"{api}/exports/{export_id}/zip", timeout=10)
    assert download.status_code == 200
    assert len(download.content) == export["size"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
        assert zf.testzip() is None
        document = json.loads(zf.read("runner.json"))
        gpx_names = sorted(n for n in zf.namelist() if n.endswith(".gpx"))
        first = zf.read(gpx_names[0])
    assert document["format"] == FORMAT
    assert document["runner"]["email"] == exporting_runner["email"]
    assert len(gpx_names) == 3 and b"<gpxtpx:cad>88</gpxtpx:cad>" in first
    files = {run["title"]: run["file"] for run in document["runs"]}
    assert files["Treadmill"] is None and files["Morning 1"] in gpx_names

    delivery = wait_for(
        lambda: [d for d in sink.deliveries if exporting_runner["email"] in d.rcpt_tos],
        "the ready mail",
        worker,
    )[0]
    message = message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Your Runnerly export is ready"
    body = message.get_body(("plain",))
    assert body is not None and PROFILE in body.get_content()
    assert export["expires_at"][:10] in body.get_content()
    # Every mail to a runner carries their one-click unsubscribe (RFC 8058, decision 56).
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Unsubscribe: http" in body.get_content()

    # Delivered again (a redelivery, a second click that raced): nothing built or sent twice.
    worker.send(
        BUILD_EXPORT, user_id=exporting_runner["id"], export_id=export_id, profile_url=PROFILE
    )
    wait_for(lambda: ": done_before" in worker.log(), "the second delivery", worker)
    time.sleep(1)
    assert len([d for d in sink.deliveries if exporting_runner["email"] in d.rcpt_tos]) == 1

    # Past its time, beat's task deletes it with its bytes.
    with sqlite3.connect(dataservice.work / "ds.db") as db:
        (stored,) = db.execute(
            "SELECT expires_at FROM exports WHERE id = ?", (export_id,)
        ).fetchone()
        db.execute(
            "UPDATE exports SET expires_at = ? WHERE id = ?", ("2000" + stored[4:], export_id)
        )
    assert ds_session.get(f"{api}/exports/{export_id}/zip", timeout=10).status_code == 410
    worker.send(EXPIRE_EXPORTS)
    wait_for(
        lambda: ds_session.get(f"{api}/exports", timeout=10).json()["items"] == [],
        "the expired export deleted",
        worker,
    )
    with sqlite3.connect(dataservice.work / "ds.db") as db:
        assert db.execute(
            "SELECT count(*) FROM export_chunks WHERE export_id = ?", (export_id,)
        ).fetchone() == (0,)
