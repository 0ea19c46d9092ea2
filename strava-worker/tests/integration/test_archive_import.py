"""A Strava bulk export imported by the worker through the real dataservice: each file once,
activities.csv's names applied, other sports skipped, a file of a run the Strava sync
already imported merged with it, an unreadable file refused with why; and a task that
starts over after its worker died mid-way (files imported, progress not saved) doubles
nothing.  (runnerly-web's checks of the archive itself: runnerly-web/tests/test_archives.py.)"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
import requests

from runnerly_common import strava_athletes
from runnerly_common.archive_imports import ArchiveImports, Entry
from runnerly_common.shared_store import open_shared_store
from runnerly_common.tasks import IMPORT_ARCHIVE, SYNC_RUNNER
from runnerly_common.testing.strava_export import gpx_track, tcx_track

from .conftest import BUDGET

# The worker and the test share the store through Redis (the budget's DB, its own prefix).
STORE = BUDGET


@pytest.fixture
def archives() -> ArchiveImports:
    return ArchiveImports(open_shared_store(STORE))


def _wait_done(archives: ArchiveImports, user_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = archives.job(user_id)
        if job and job["state"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"the import did not end: {archives.job(user_id)}")


def _file_runs(runner: Any) -> list[dict[str, Any]]:
    body = runner.http.get(
        f"{runner.ds}/api/v1/users/{runner.user_id}/runs",
        params={"source": "file", "per_page": 200},
        timeout=10,
    ).json()
    return list(body["items"])


def _steady_strava_run(runner: Any) -> dict[str, Any]:
    """A synced Strava run without long pauses: its file (an even pace) is the same effort."""
    for run in runner.runs().values():
        elapsed, moving = run["elapsed_time"], run["moving_time"]
        if run["distance"] > 3000 and abs(elapsed - moving) < 0.03 * elapsed:
            return run
    raise AssertionError("no steady run in the athlete's history")


def _export(duplicate: dict[str, Any]) -> list[tuple[Entry, bytes]]:
    start = duplicate["start_time"]
    return [
        (
            Entry("activities/9001.gpx", "9001", "Hill repeats", "Run"),
            gpx_track("2019-03-02T07:00:00Z", 150),
        ),
        (
            Entry("activities/9002.tcx.gz", "9002", "Track Tuesday", "Run"),
            gzip.compress(tcx_track("2019-03-05T18:00:00Z", 120)),
        ),
        (
            Entry("activities/9003.gpx", "9003", "To work", "Ride"),
            gpx_track("2019-03-06T08:00:00Z", 60, kind="cycling"),
        ),
        (
            Entry("activities/9004.gpx", duplicate["external_id"], "From the watch", "Run"),
            gpx_track(
                start,
                300,
                seconds=duplicate["elapsed_time"],
                metres=duplicate["distance"],
            ),
        ),
        (Entry("activities/9005.gpx", "9005", "Broken", "Run"), b"<gpx><trk>cut short"),
    ]


def test_an_export_is_imported_once_with_names_rides_skipped_and_duplicates_merged(
    runner: Any, start_worker: Any, archives: ArchiveImports
) -> None:
    worker = start_worker(shared_store=STORE)
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    strava_before = len(runner.run_ids())
    job = archives.stage(runner.user_id, "export_1.zip", _export(_steady_strava_run(runner)))
    worker.send(IMPORT_ARCHIVE, user_id=runner.user_id, job_id=job["id"])

    done = _wait_done(archives, runner.user_id)
    assert done["state"] == "done", done
    assert (done["next"], done["total"]) == (5, 5)
    counts = {k: done[k] for k in ("imported", "merged", "already", "skipped", "refused")}
    assert counts == {"imported": 2, "merged": 1, "already": 0, "skipped": 1, "refused": 1}
    problems = {p["file"]: p for p in done["problems"]}
    assert problems["activities/9003.gpx"]["reason"] == "Not a run (Ride)"
    assert problems["activities/9005.gpx"]["outcome"] == "refused"
    assert "GPX" in problems["activities/9005.gpx"]["reason"]

    files = _file_runs(runner)
    titles = {run["title"] for run in files if run["merged_into"] is None}
    assert {"Hill repeats", "Track Tuesday"} <= titles
    merged = [run for run in files if run["merged_into"] is not None]
    assert len(merged) == 1  # the watch's file joined the Strava run: counted once
    assert len(runner.run_ids()) == strava_before  # no Strava run lost or doubled
    # Staged files are gone once imported; the same task again changes nothing.
    assert archives.manifest(runner.user_id, job["id"]) is None
    worker.send(IMPORT_ARCHIVE, user_id=runner.user_id, job_id=job["id"])
    deadline = time.monotonic() + 20
    while worker.log().count(f"archive {job['id']} of runner {runner.user_id}:") < 2:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.2)
    assert len(_file_runs(runner)) == len(files)


def test_a_task_starting_over_after_its_worker_died_doubles_nothing(
    runner: Any, start_worker: Any, archives: ArchiveImports
) -> None:
    entries = [
        (Entry(f"activities/{n}.gpx", str(n), f"Run {n}", "Run"),
         gpx_track(f"2018-06-{n - 7000:02d}T06:30:00Z", 90))
        for n in range(7001, 7007)
    ]  # fmt: skip
    job = archives.stage(runner.user_id, "export_2.zip", entries)
    # As a worker killed after importing three files but before saving its progress left
    # it: the runs are in the dataservice, the job still says "running, from the first".
    for entry, content in entries[:3]:
        answer = runner.http.post(
            f"{runner.ds}/api/v1/users/{runner.user_id}/runs/import",
            params={"filename": entry.path.rsplit("/", 1)[1]},
            data=content,
            headers={"Content-Type": "application/octet-stream"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
    job["state"] = "running"
    archives.save(runner.user_id, job)

    worker = start_worker(shared_store=STORE)
    worker.send(IMPORT_ARCHIVE, user_id=runner.user_id, job_id=job["id"])
    done = _wait_done(archives, runner.user_id)
    assert (done["state"], done["imported"], done["already"]) == ("done", 3, 3), done
    runs = _file_runs(runner)
    assert len(runs) == 6
    assert sorted(run["title"] for run in runs) == [f"Run {n}" for n in range(7001, 7007)]


def test_a_link_made_without_the_web_app_gets_its_athletes_name_at_its_first_sync(
    runner: Any, start_worker: Any, archives: ArchiveImports, sim: str
) -> None:
    """The demo runner's link (made by `make setup`, not by Strava's consent in the web
    app) has no name until the worker asks Strava once."""
    store = archives.store
    strava_athletes.forget(store, runner.user_id)  # a runner id of an earlier session
    worker = start_worker(shared_store=STORE)
    worker.send(SYNC_RUNNER, user_id=runner.user_id)
    runner.wait_synced()
    athletes = {a["id"]: a for a in requests.get(f"{sim}/admin/athletes", timeout=10).json()}
    deadline = time.monotonic() + 10  # asked right after the sync's end
    while (named := strava_athletes.known(store, runner.user_id)) is None:
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.2)
    expected = athletes[runner.athlete]
    assert (named["firstname"], named["lastname"]) == (expected["firstname"], expected["lastname"])
