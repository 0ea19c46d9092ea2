"""A Strava bulk export's import as runnerly-web stages it and the worker carries it out
(docs/decisions.md, 59), kept in the :mod:`~runnerly_common.shared_store`.

runnerly-web checks the archive, stages each activity file under its own key and the list
of them (with what ``activities.csv`` says of each) under the job's ``manifest``, then
writes the runner's ``job`` and sends ``import_archive``.  The worker imports the files in
order, saving the job's progress (``next``, the counts, the problems) after each: a task
delivered again after its worker died resumes at ``next``, and a file imported twice is the
same run in the dataservice (its content's hash), so nothing is doubled.

One job per runner at a time: the job's key is the runner's.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from runnerly_common.shared_store import SharedStore

# A staged archive waits at most this long for the worker; a finished job's progress is
# shown this long.
TTL_SECONDS = 3 * 86400
# The problems a job lists (the counts go on beyond).
PROBLEMS_SHOWN = 100
ACTIVE_STATES = ("queued", "running")
OUTCOMES = ("imported", "merged", "already", "skipped", "refused")


@dataclass(frozen=True)
class Entry:
    """One activity file of the archive and what ``activities.csv`` says of it."""

    path: str  # as named in the archive: activities/123.fit.gz
    activity_id: str | None = None
    title: str | None = None
    sport: str | None = None  # Activity Type, as Strava writes it ("Run", "Trail Run")


def _job_key(user_id: int) -> str:
    return f"archive:{user_id}:job"


def _manifest_key(user_id: int, job_id: str) -> str:
    return f"archive:{user_id}:{job_id}:manifest"


def _file_key(user_id: int, job_id: str, index: int) -> str:
    return f"archive:{user_id}:{job_id}:file:{index}"


def new_job(job_id: str, total: int, filename: str) -> dict[str, Any]:
    now = time.time()
    return {
        "id": job_id,
        "filename": filename,
        "state": "queued",
        "total": total,
        "next": 0,
        **dict.fromkeys(OUTCOMES, 0),
        "problems": [],
        "error": None,
        "created_at": now,
        "updated_at": now,
    }


class ArchiveImports:
    def __init__(self, store: SharedStore) -> None:
        self.store = store

    def job(self, user_id: int) -> dict[str, Any] | None:
        raw = self.store.get(_job_key(user_id))
        return json.loads(raw) if raw else None

    def save(self, user_id: int, job: dict[str, Any]) -> None:
        job["updated_at"] = time.time()
        self.store.put(_job_key(user_id), json.dumps(job).encode(), TTL_SECONDS)

    def stage(
        self, user_id: int, filename: str, files: Iterable[tuple[Entry, bytes]]
    ) -> dict[str, Any]:
        """Keep the files and their manifest, then the job (queued) that names them: a job
        is never seen before its files are there.  ``files`` may be read as they are kept
        (a large export is never held whole): when it raises (a file past a cap), the files
        already kept are dropped before the error goes on."""
        job_id = secrets.token_urlsafe(12)
        entries: list[Entry] = []
        try:
            for entry, content in files:
                self.store.put(_file_key(user_id, job_id, len(entries)), content, TTL_SECONDS)
                entries.append(entry)
        except BaseException:
            self.drop_files(user_id, job_id, len(entries) + 1)
            raise
        manifest = [asdict(entry) for entry in entries]
        self.store.put(_manifest_key(user_id, job_id), json.dumps(manifest).encode(), TTL_SECONDS)
        job = new_job(job_id, len(entries), filename)
        self.save(user_id, job)
        return job

    def manifest(self, user_id: int, job_id: str) -> list[Entry] | None:
        raw = self.store.get(_manifest_key(user_id, job_id))
        return [Entry(**item) for item in json.loads(raw)] if raw else None

    def content(self, user_id: int, job_id: str, index: int) -> bytes | None:
        return self.store.get(_file_key(user_id, job_id, index))

    def drop_files(self, user_id: int, job_id: str, count: int) -> None:
        """The staged files and manifest of a finished job (the job's progress stays)."""
        keys = [_file_key(user_id, job_id, i) for i in range(count)]
        for start in range(0, len(keys), 500):
            self.store.delete(*keys[start : start + 500])
        self.store.delete(_manifest_key(user_id, job_id))


def record(job: dict[str, Any], outcome: str, entry: Entry, reason: str | None = None) -> None:
    """Count one file's outcome; a refused or skipped file is listed with why."""
    job[outcome] = int(job.get(outcome, 0)) + 1
    if reason and len(job["problems"]) < PROBLEMS_SHOWN:
        job["problems"].append(
            {"file": entry.path, "title": entry.title, "outcome": outcome, "reason": reason}
        )
