"""A Strava bulk export uploaded through the web app: hostile archives refused whole with
why and nothing staged; a real one staged in the shared store and queued for the worker
(the worker's side is strava-worker/tests/integration/test_archive_import.py)."""

from __future__ import annotations

import gzip
import io
import warnings
import zipfile
from typing import Any

import pytest
from flask import Flask

from runnerly_common.archive_imports import ArchiveImports
from runnerly_common.testing.strava_export import Activity, gpx_track, strava_export

from .helpers import Browser

RUNS = [
    Activity(101, "2024-05-04T07:00:00Z", "Saturday long run"),
    Activity(102, "2024-05-06T18:00:00Z", "Intervals", suffix=".gpx.gz"),
    Activity(103, "2024-05-07T12:00:00Z", "Commute", kind="Ride"),
]


def _send(browser: Browser, body: bytes, name: str = "export_1234.zip") -> Any:
    return browser.post(
        f"/api/web/runs/archive?filename={name}",
        data=body,
        headers={"Content-Type": "application/octet-stream"},
    )


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _encrypted() -> bytes:
    """A member marked encrypted (PKWARE's flag bit 0, in the local and the central header;
    Python's zipfile never writes it, so it is set in the bytes)."""
    data = bytearray(_zip({"activities.csv": b"Activity ID,Filename\n"}))
    data[6] |= 0x1  # the local file header's general purpose flags
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    return bytes(data)


def _twice() -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():  # zipfile warns of the duplicate: that is the point
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("activities.csv", b"Activity ID,Filename\n1,activities/1.gpx\n")
            archive.writestr("activities/1.gpx", gpx_track("2024-01-01T06:00:00Z", 5))
            archive.writestr("activities/1.gpx", gpx_track("2024-02-01T06:00:00Z", 5))
    return out.getvalue()


def _staged(app: Flask, user_id: int) -> dict[str, Any] | None:
    return ArchiveImports(app.extensions["runnerly_web.shared_store"]).job(user_id)


HOSTILE = {
    "not a zip": (b"<gpx>not an archive</gpx>", "not a zip archive"),
    "damaged": (b"PK\x03\x04" + b"\x00" * 40, "damaged or incomplete"),
    "path traversal": (
        strava_export(RUNS, extra={"../../etc/cron.d/evil": b"* * * * * root sh"}),
        "points outside the archive",
    ),
    "absolute path": (
        strava_export(RUNS, extra={"/etc/evil.gpx": gpx_track("2024-01-01T06:00:00Z", 5)}),
        "points outside the archive",
    ),
    "nested zip": (
        strava_export(RUNS, extra={"activities/more.zip": _zip({"a.gpx": b"<gpx/>"})}),
        "archive inside the archive",
    ),
    "nested tarball": (strava_export(RUNS, extra={"media/x.tar.gz": b"\x1f\x8b"}), "inside"),
    # 64 MB of zeros deflate to ~64 KB: refused once 32 MB have been inflated.
    "zip bomb": (
        strava_export(RUNS, extra={"activities/999.gpx": b"\0" * (64 * 1024 * 1024)}),
        "larger than 32 MB once unpacked",
    ),
    "gzip bomb": (
        strava_export(
            RUNS, extra={"activities/998.fit.gz": gzip.compress(b"\0" * (64 * 1024 * 1024))}
        ),
        "larger than 32 MB once unpacked",
    ),
    "encrypted": (_encrypted(), "encrypted"),
    "a file named twice": (_twice(), "names a file twice"),
    "no activities.csv": (
        _zip({"activities/1.gpx": gpx_track("2024-01-01T06:00:00Z", 5)}),
        "no activities.csv",
    ),
    "no activity files": (
        _zip({"activities.csv": b"Activity ID,Activity Name,Filename\n"}),
        "holds no GPX, TCX or FIT file",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_wrong_archive_is_refused_whole_with_why_and_nothing_staged(
    app: Flask, browser: Browser, runner: dict[str, Any], case: str
) -> None:
    body, reason = HOSTILE[case]
    answer = _send(browser, body)
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "archive_refused"
    assert reason in answer.json["message"], answer.json["message"]
    assert _staged(app, runner["id"]) is None
    assert browser.get("/api/web/runs/archive/latest").json == {"job": None}


def test_an_archive_needs_a_session_and_a_zip_name(browser: Browser) -> None:
    assert _send(browser, strava_export(RUNS)).status_code == 401
    browser.sign_up()
    wrong = _send(browser, strava_export(RUNS), name="export.gpx")
    assert wrong.status_code == 400 and "filename" in str(wrong.json)


def test_an_export_is_staged_with_its_csv_rows_queued_and_one_at_a_time(
    app_with_broker: Flask, browser: Browser, runner: dict[str, Any]
) -> None:
    answer = _send(browser, strava_export(RUNS))
    assert answer.status_code == 202, answer.json
    job = answer.json
    assert job["state"] == "queued" and job["total"] == 3 and job["done"] == 0
    assert job["filename"] == "export_1234.zip"
    imports = ArchiveImports(app_with_broker.extensions["runnerly_web.shared_store"])
    manifest = imports.manifest(runner["id"], job["id"])
    assert manifest is not None
    by_path = {entry.path: entry for entry in manifest}
    # The CSV's name and type travel with each file; media/ and profile.csv are not read.
    assert set(by_path) == {"activities/101.gpx", "activities/102.gpx.gz", "activities/103.gpx"}
    assert by_path["activities/102.gpx.gz"].title == "Intervals"
    assert by_path["activities/103.gpx"].sport == "Ride"
    assert by_path["activities/101.gpx"].activity_id == "101"
    index = [entry.path for entry in manifest].index("activities/102.gpx.gz")
    staged = imports.content(runner["id"], job["id"], index)
    assert staged is not None and gzip.decompress(staged).startswith(b"<?xml")
    # A plain file is staged gzipped too: what waits in the store stays small.
    plain = imports.content(
        runner["id"], job["id"], [e.path for e in manifest].index("activities/101.gpx")
    )
    assert plain is not None and plain.startswith(b"\x1f\x8b")
    assert gzip.decompress(plain).startswith(b"<?xml")
    assert browser.get("/api/web/runs/archive/latest").json["job"]["id"] == job["id"]
    # The worker has not taken it (none runs here): a second archive waits its turn.
    again = _send(browser, strava_export(RUNS))
    assert again.status_code == 409 and again.json["code"] == "archive_importing"
