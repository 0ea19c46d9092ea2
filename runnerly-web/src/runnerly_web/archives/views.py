"""A Strava bulk export uploaded whole and imported by the worker (docs/decisions.md, 59):
``POST /runs/archive`` checks and stages it, ``GET /runs/archive/latest`` follows the import."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import request

from runnerly_common.archive_imports import ACTIVE_STATES, OUTCOMES, Entry
from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_common.shared_store import StoreUnavailable
from runnerly_common.tasks import IMPORT_ARCHIVE
from runnerly_web.archives.reader import display_name, read_archive
from runnerly_web.extensions import archive_imports, settings, sync_queue
from runnerly_web.web_session import require_user

# A queued or running job untouched this long is taken as lost (the worker updates it after
# every file): a new archive may replace it.
STALE_SECONDS = 30 * 60


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def shown(job: dict[str, Any]) -> dict[str, Any]:
    """The job as the Upload page reads it."""
    return {
        "id": job["id"],
        "filename": job["filename"],
        "state": job["state"],
        "total": job["total"],
        "done": job["next"],
        **{outcome: job[outcome] for outcome in OUTCOMES},
        "problems": job["problems"],
        "error": job.get("error"),
        "created_at": iso(job["created_at"]),
        "updated_at": iso(job["updated_at"]),
    }


def unavailable() -> APIError:
    return APIError(503, "imports_unavailable", "Archive imports cannot be reached just now")


def refuse_while_importing(user_id: int) -> None:
    """409 while another archive of the runner's is queued or being imported."""
    current = archive_imports().job(user_id)
    if (
        current is not None
        and current["state"] in ACTIVE_STATES
        and time.time() - current["updated_at"] < STALE_SECONDS
    ):
        raise APIError(
            409,
            "archive_importing",
            f"“{current['filename']}” is still being imported: wait until it is done",
        )


def start_import(
    user_id: int, filename: str, files: Iterable[tuple[Entry, bytes]]
) -> dict[str, Any]:
    """Stage the archive's files (read as they are kept) and queue the worker's import."""
    imports = archive_imports()
    try:
        job = imports.stage(user_id, filename, files)
    except StoreUnavailable:
        raise unavailable() from None
    if not sync_queue().send(IMPORT_ARCHIVE, {"user_id": user_id, "job_id": job["id"]}):
        job.update(state="failed", error="The import could not be started: try again later")
        imports.save(user_id, job)
        raise APIError(503, "imports_unavailable", job["error"])
    return job


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("uploadStravaArchive")
    def upload_archive() -> tuple[dict[str, Any], int]:
        user_id = require_user()
        try:
            refuse_while_importing(user_id)
        except StoreUnavailable:
            raise unavailable() from None
        files = read_archive(request.get_data(cache=False), settings().archive_max_bytes)
        return shown(start_import(user_id, display_name(query_params()["filename"]), files)), 202

    @api.operation("getStravaArchive")
    def get_archive() -> dict[str, Any]:
        user_id = require_user()
        try:
            job = archive_imports().job(user_id)
        except StoreUnavailable:
            raise unavailable() from None
        return {"job": shown(job) if job else None}
