"""The Celery task importing a Strava bulk export runnerly-web staged (:mod:`archive`).

Transient failures (the dataservice or the shared store not answering) are retried with
backoff; after ``MAX_FAILURES`` the job is marked failed with what went wrong, so the
Upload page never shows an import that nothing is doing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

from runnerly_common.shared_store import StoreUnavailable
from runnerly_common.tasks import IMPORT_ARCHIVE
from strava_worker import archive
from strava_worker.dataservice import DataserviceError, NotLinked
from strava_worker.runtime import Busy
from strava_worker.tasks import _backoff, _longest_countdown, _runtime, retry

log = logging.getLogger(__name__)


@shared_task(
    name=IMPORT_ARCHIVE.name,
    bind=True,
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
)
def import_archive(self: Task, user_id: int, job_id: str, failures: int = 0) -> dict[str, Any]:
    """Import the next files of the runner's staged archive, then send the next task."""
    rt = _runtime(self)
    kwargs = {"user_id": user_id, "job_id": job_id}
    try:
        result = archive.import_files(rt, user_id, job_id)
    except Busy:
        if (self.request.delivery_info or {}).get("redelivered"):
            # Its worker died holding the lock: go on once the lock expires.
            retry(self, countdown=min(rt.settings.lock_seconds + 1, _longest_countdown(rt)))
        return {"status": "busy"}  # the task holding the lock does this work
    except NotLinked:
        log.info("archive %s: runner %s is gone", job_id, user_id)
        return {"status": "gone"}
    except (DataserviceError, StoreUnavailable) as exc:
        if failures >= rt.settings.max_failures:
            log.error("archive %s of runner %s gave up: %s", job_id, user_id, exc)
            _fail(rt, user_id, job_id, f"The import stopped: {exc}"[:300])
            return {"status": "error"}
        retry(
            self,
            kwargs={**kwargs, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    if result["status"] == archive.MORE:
        import_archive.apply_async(kwargs=kwargs)
    log.info("archive %s of runner %s: %s", job_id, user_id, result)
    return result


def _fail(rt: Any, user_id: int, job_id: str, message: str) -> None:
    try:
        job = rt.archives.job(user_id)
        if job and job["id"] == job_id:
            job.update(state="failed", error=message)
            rt.archives.save(user_id, job)
    except StoreUnavailable:
        log.warning("could not record the failure of archive %s", job_id)
