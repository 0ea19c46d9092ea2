"""A Strava bulk export's activity files, imported one by one through the dataservice's file
import (docs/decisions.md, 59).  runnerly-web checked and staged the archive
(:mod:`runnerly_common.archive_imports`); here each file becomes a run as an upload would:

- an activity ``activities.csv`` calls another sport (Ride, Swim...) is skipped, as the
  Strava sync skips them; a file without a row counts as what its content says;
- the dataservice merges a file with the run it duplicates (the same effort, e.g. the
  activity the Strava sync already imported), and gives the same run for a file imported
  before (its content's hash): a file imported twice, by a retried task, is never two runs;
- the row's Activity Name becomes the run's title (a correction the Strava sync keeps).

Progress is saved after each file, so a task delivered again resumes at the next one.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import Any

from runnerly_common import run_bounds
from runnerly_common.archive_imports import ACTIVE_STATES, Entry, record
from strava_worker.dataservice import DataserviceRefused
from strava_worker.mapping import RUNNING_SPORTS
from strava_worker.runtime import Runtime

log = logging.getLogger(__name__)
DONE, MORE = "done", "more"
# Files a task imports before it sends the next one: other runners' tasks take turns.
FILES_PER_TASK = 20


def import_files(rt: Runtime, user_id: int, job_id: str) -> dict[str, Any]:
    """Import the job's next files; ``MORE`` asks for another task."""
    archives = rt.archives
    with rt.archive_lock(user_id):
        job = archives.job(user_id)
        if job is None or job["id"] != job_id or job["state"] not in ACTIVE_STATES:
            return {"status": "gone"}  # replaced by a newer archive, or already finished
        manifest = archives.manifest(user_id, job_id)
        if manifest is None:
            job.update(state="failed", error="The archive waited too long and was dropped")
            archives.save(user_id, job)
            return {"status": "failed"}
        job["state"] = "running"
        archives.save(user_id, job)
        end = min(job["next"] + FILES_PER_TASK, len(manifest))
        for index in range(job["next"], end):
            entry = manifest[index]
            outcome, reason = _import_one(
                rt, user_id, entry, archives.content(user_id, job_id, index)
            )
            record(job, outcome, entry, reason)
            job["next"] = index + 1
            archives.save(user_id, job)
        if job["next"] < len(manifest):
            return {"status": MORE, "next": job["next"]}
        job["state"] = "done"
        archives.save(user_id, job)
        archives.drop_files(user_id, job_id, len(manifest))
        return {"status": DONE, **{k: job[k] for k in ("imported", "merged", "already")}}


def sport_of(entry: Entry) -> str | None:
    """Strava's sport type from the CSV's Activity Type ("Trail Run" → "TrailRun")."""
    return entry.sport.replace(" ", "") if entry.sport else None


def upload_name(path: str) -> str:
    """The name the dataservice's import accepts: the base name without ``.gz`` (the
    dataservice inflates the content itself)."""
    name = PurePosixPath(path).name
    return name[:-3] if name.lower().endswith(".gz") else name


def _import_one(
    rt: Runtime, user_id: int, entry: Entry, content: bytes | None
) -> tuple[str, str | None]:
    sport = sport_of(entry)
    if sport and sport not in RUNNING_SPORTS:
        return "skipped", f"Not a run ({entry.sport})"
    if content is None:
        return "refused", "The file was no longer staged (the archive waited too long)"
    try:
        status, run = rt.dataservice.import_file(user_id, upload_name(entry.path), content)
    except DataserviceRefused as exc:
        return "refused", exc.detail
    if run.get("merged_into") is not None:
        return ("already" if status == 200 else "merged"), None
    title = (entry.title or "").strip()[: run_bounds.TITLE_MAX]
    if title and run.get("title") != title:
        rt.dataservice.update_run(user_id, int(run["id"]), title=title)
    return ("already" if status == 200 else "imported"), None
