"""A Strava export sent in chunks (decision 60): an archive past one request's 8 MB arrives
part by part and is queued as a whole one is; a part sent twice is not written twice; a
gap, a damaged part or a part that disagrees is refused with why; one upload a runner at a
time; cancelled or abandoned uploads leave no bytes behind; an announced size past the
limit is refused before anything is sent."""

from __future__ import annotations

import hashlib
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from runnerly_common.archive_imports import ArchiveImports
from runnerly_common.testing.strava_export import Activity, strava_export

from .helpers import Browser

MB = 1024 * 1024
RUNS = [
    Activity(201, "2024-06-01T07:00:00Z", "Parkrun"),
    Activity(202, "2024-06-03T18:00:00Z", "Tempo", suffix=".gpx.gz"),
    Activity(203, "2024-06-04T12:00:00Z", "To work", kind="Ride"),
]
UPLOADS = "/api/web/runs/archive/uploads"


@pytest.fixture(scope="module")
def big_export() -> bytes:
    """An export of 20 MB: the runs beside a photo that does not compress (as Strava's
    media/ does), past the 8 MB one request may carry."""
    data = strava_export(RUNS, extra={"media/photo.jpg": random.Random(60).randbytes(20 * MB)})
    assert len(data) > 20 * MB
    return data


def _create(browser: Browser, data: bytes, name: str = "export_60.zip", **extra: Any) -> Any:
    body = {"filename": name, "size": len(data), **extra}
    return browser.post(UPLOADS, json=body)


def _put(browser: Browser, upload_id: str, offset: int, part: bytes, digest: bool = True) -> Any:
    query = f"offset={offset}" + (f"&sha256={hashlib.sha256(part).hexdigest()}" if digest else "")
    return browser._send(
        "PUT",
        f"{UPLOADS}/{upload_id}/chunks?{query}",
        data=part,
        headers={"Content-Type": "application/octet-stream"},
    )


def _staging(app: Flask) -> Path:
    return Path(app.extensions["runnerly.settings"].archive_upload_dir)


def _files_of(app: Flask, user_id: int) -> list[Path]:
    return sorted(_staging(app).glob(f"{user_id}-*.part"))


def test_an_export_past_one_requests_limit_arrives_in_parts_and_is_queued_whole(
    app_with_broker: Flask, browser: Browser, runner: dict[str, Any], big_export: bytes
) -> None:
    created = _create(browser, big_export, sha256=hashlib.sha256(big_export).hexdigest())
    assert created.status_code == 201, created.json
    upload = created.json
    assert upload["offset"] == 0 and upload["state"] == "receiving" and upload["job"] is None
    size = upload["chunk_size"]
    assert size == 8 * MB < len(big_export)
    parts = [big_export[at : at + size] for at in range(0, len(big_export), size)]
    assert len(parts) == 3

    first = _put(browser, upload["id"], 0, parts[0])
    assert first.status_code == 200, first.json
    assert first.json["offset"] == size and first.headers["Upload-Offset"] == str(size)
    [staged] = _files_of(app_with_broker, runner["id"])
    written = staged.stat().st_mtime_ns
    # The first part again (its answer was lost): answered, not written twice.
    again = _put(browser, upload["id"], 0, parts[0])
    assert again.status_code == 200 and again.json["offset"] == size
    assert staged.stat().st_size == size and staged.stat().st_mtime_ns == written
    # A reload: the page asks where to resume.
    assert browser.get(f"{UPLOADS}/{upload['id']}").json["offset"] == size
    assert _put(browser, upload["id"], size, parts[1]).json["offset"] == 2 * size

    last = _put(browser, upload["id"], 2 * size, parts[2])

    assert last.status_code == 200, last.json
    done = last.json
    assert done["state"] == "complete" and done["offset"] == len(big_export)
    job = done["job"]
    assert job["state"] == "queued" and job["total"] == 3 and job["filename"] == "export_60.zip"
    imports = ArchiveImports(app_with_broker.extensions["runnerly_web.shared_store"])
    manifest = imports.manifest(runner["id"], job["id"])
    assert manifest is not None
    assert {entry.path for entry in manifest} == {f"activities/{n}.gpx" for n in (201, 203)} | {
        "activities/202.gpx.gz"
    }
    assert browser.get("/api/web/runs/archive/latest").json["job"]["id"] == job["id"]
    # The 20 MB on disk are gone once staged; the last part sent again says what it came to.
    assert _files_of(app_with_broker, runner["id"]) == []
    retry = _put(browser, upload["id"], 2 * size, parts[2])
    assert retry.status_code == 200 and retry.json["job"]["id"] == job["id"]
    # The worker has not taken it (none runs here): another export waits its turn.
    assert _create(browser, big_export, name="other.zip").json["code"] == "archive_importing"


def test_an_announced_size_past_the_limit_is_refused_before_anything_is_sent(
    app: Flask, browser: Browser, runner: dict[str, Any]
) -> None:
    limit = app.extensions["runnerly.settings"].archive_max_bytes
    assert limit >= 2 * 1024 * MB  # multi-GB exports are taken

    answer = browser.post(UPLOADS, json={"filename": "export.zip", "size": limit + 1})

    assert answer.status_code == 413
    assert answer.json["code"] == "archive_too_large"
    assert "the largest taken is 4.0 GB" in answer.json["message"]
    assert _files_of(app, runner["id"]) == []
    wrong = browser.post(UPLOADS, json={"filename": "export.gpx", "size": 1000})
    assert wrong.status_code == 400 and "filename" in str(wrong.json)


def test_a_gap_a_damaged_part_and_a_part_that_disagrees_are_refused_and_nothing_changes(
    app_with_broker: Flask, browser: Browser, runner: dict[str, Any]
) -> None:
    data = strava_export(RUNS)
    upload = _create(browser, data).json
    half = len(data) // 2
    assert _put(browser, upload["id"], 0, data[:half]).json["offset"] == half

    gap = _put(browser, upload["id"], half + 10, data[half + 10 :])
    assert gap.status_code == 409 and gap.json["code"] == "upload_offset_mismatch"
    assert f"{half} bytes have been received" in gap.json["message"]
    damaged = browser._send(
        "PUT",
        f"{UPLOADS}/{upload['id']}/chunks?offset={half}&sha256={'0' * 64}",
        data=data[half:],
        headers={"Content-Type": "application/octet-stream"},
    )
    assert damaged.status_code == 422 and damaged.json["code"] == "chunk_checksum_mismatch"
    other = bytes(b ^ 0xFF for b in data[:half])
    conflict = _put(browser, upload["id"], 0, other)
    assert conflict.status_code == 409 and conflict.json["code"] == "chunk_conflict"
    too_long = _put(browser, upload["id"], half, data[half:] + b"extra")
    assert too_long.status_code == 422 and too_long.json["code"] == "chunk_too_long"
    empty = _put(browser, upload["id"], half, b"", digest=False)
    assert empty.status_code == 400 and "body" in str(empty.json["errors"])

    [staged] = _files_of(app_with_broker, runner["id"])
    assert staged.read_bytes() == data[:half]
    # An overlapping part that agrees writes only what is new.
    finished = _put(browser, upload["id"], half - 100, data[half - 100 :])
    assert finished.json["state"] == "complete"


def test_a_refused_archive_or_a_whole_file_that_differs_leaves_nothing_behind(
    app_with_broker: Flask, browser: Browser, runner: dict[str, Any]
) -> None:
    hostile = strava_export(RUNS, extra={"../../etc/cron.d/evil": b"* * * * * root sh"})
    upload = _create(browser, hostile).json
    refused = _put(browser, upload["id"], 0, hostile)
    assert refused.status_code == 422 and refused.json["code"] == "archive_refused"
    assert "points outside the archive" in refused.json["message"]
    assert _files_of(app_with_broker, runner["id"]) == []
    assert browser.get(f"{UPLOADS}/{upload['id']}").status_code == 404
    assert browser.get("/api/web/runs/archive/latest").json == {"job": None}

    data = strava_export(RUNS)
    announced = hashlib.sha256(data + b"another file").hexdigest()
    upload = _create(browser, data, sha256=announced).json
    differs = _put(browser, upload["id"], 0, data)
    assert differs.status_code == 422 and differs.json["code"] == "upload_checksum_mismatch"
    assert _files_of(app_with_broker, runner["id"]) == []
    assert browser.get("/api/web/runs/archive/latest").json == {"job": None}


def test_one_upload_a_runner_resumed_when_announced_again_and_cancelled_with_its_bytes(
    app: Flask, browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    data = strava_export(RUNS)
    upload = _create(browser, data).json
    _put(browser, upload["id"], 0, data[:1000])

    other = _create(browser, data + b"\0", name="another.zip")
    assert other.status_code == 409 and other.json["code"] == "archive_upload_active"
    assert "export_60.zip" in other.json["message"]
    # The same file announced again (the page lost its note): the same upload, resumed.
    same = _create(browser, data)
    assert same.status_code == 200 and same.json["id"] == upload["id"]
    assert same.json["offset"] == 1000
    # Another browser of the runner's, which has no note of it, finds it to resume or cancel.
    current = browser.get(f"{UPLOADS}/current").json["upload"]
    assert (current["id"], current["offset"], current["filename"]) == (
        upload["id"],
        1000,
        "export_60.zip",
    )
    # Another runner sees nothing of it.
    stranger = new_browser()
    stranger.sign_up()
    assert stranger.get(f"{UPLOADS}/current").json == {"upload": None}
    assert stranger.get(f"{UPLOADS}/{upload['id']}").status_code == 404
    assert _put(stranger, upload["id"], 1000, data[1000:]).status_code == 404
    assert stranger.delete(f"{UPLOADS}/{upload['id']}").status_code == 404

    assert browser.delete(f"{UPLOADS}/{upload['id']}").status_code == 204

    assert _files_of(app, runner["id"]) == []
    gone = browser.get(f"{UPLOADS}/{upload['id']}")
    assert gone.status_code == 404 and gone.json["code"] == "upload_not_found"
    assert _put(browser, upload["id"], 1000, data[1000:]).status_code == 404
    assert browser.get(f"{UPLOADS}/current").json == {"upload": None}
    assert _create(browser, data, name="another.zip").status_code == 201


def test_an_abandoned_upload_is_removed_with_its_bytes_by_a_later_request(
    app: Flask, browser: Browser, new_browser: Any, runner: dict[str, Any]
) -> None:
    data = strava_export(RUNS)
    upload = _create(browser, data).json
    _put(browser, upload["id"], 0, data[:1000])
    [staged] = _files_of(app, runner["id"])
    ttl = app.extensions["runnerly.settings"].archive_upload_ttl_seconds
    untouched = time.time() - ttl - 60
    os.utime(staged, (untouched, untouched))

    # Anyone's next upload sweeps the staging area.
    someone = new_browser()
    someone.sign_up()
    assert _create(someone, data).status_code == 201

    assert not staged.exists()
    gone = browser.get(f"{UPLOADS}/{upload['id']}")
    assert gone.status_code == 404 and gone.json["code"] == "upload_not_found"
    assert _create(browser, data, name="again.zip").status_code == 201
