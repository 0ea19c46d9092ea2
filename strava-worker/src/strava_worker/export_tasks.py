"""A runner's data export, built here (docs/decisions.md, 55).

``build_export`` asks the dataservice what the zip holds (runner.json's data, each run's
file), writes the zip with :class:`runnerly_common.export_zip.ExportZip` (the operator's
``runnerly export`` writes the same) into a temporary file of this worker's, reporting
``done`` of ``total`` files as it goes, uploads it in chunks to the dataservice (where any
node serves it) and reports it ready; then queues the "your export is ready" mail
(``deliver_mail``) linking to the runner's profile.  A redelivered or retried task starts
the zip over (the dataservice drops what was uploaded), one copy at a time per export.
``expire_exports`` (beat, hourly) has the dataservice delete expired exports.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
import time
from typing import IO, Any

from celery import Task, shared_task

from runnerly_common.export_zip import ExportZip
from runnerly_common.mail import Action, compose
from runnerly_common.tasks import BUILD_EXPORT, DELIVER_MAIL, EXPIRE_EXPORTS
from strava_worker.dataservice import DataserviceError, DataserviceRefused
from strava_worker.export_client import ExportGone, ExportsAPI
from strava_worker.runtime import Busy, Runtime
from strava_worker.tasks import retry

log = logging.getLogger(__name__)
CHUNK = 4 * 1024 * 1024  # under the dataservice's 8 MiB request limit
PROGRESS_SECONDS = 1.0  # report progress at most this often (and at the end)
BUSY_COUNTDOWN = 30


def _runtime(task: Task) -> Runtime:
    return task.app.runtime  # type: ignore[attr-defined]


def _backoff(rt: Runtime, failures: int) -> int:
    longest = rt.settings.retry_backoff_max
    return min(2**failures * 2, longest) + random.randint(0, 2)  # noqa: S311


@shared_task(
    name=BUILD_EXPORT.name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
)
def build_export(
    self: Task, user_id: int, export_id: int, profile_url: str, failures: int = 0
) -> dict[str, Any]:
    """Build the export, store it in the dataservice, tell the runner."""
    rt = _runtime(self)
    api = ExportsAPI(rt.dataservice)
    kwargs = {"user_id": user_id, "export_id": export_id, "profile_url": profile_url}
    try:
        with rt.export_lock(export_id):
            result = _build(api, user_id, export_id)
    except Busy:
        retry(self, kwargs={**kwargs, "failures": failures}, countdown=BUSY_COUNTDOWN)
    except ExportGone:
        log.info("export %s of runner %s: gone", export_id, user_id)
        return {"status": "gone"}
    except DataserviceRefused as exc:
        log.error("export %s of runner %s refused: %s", export_id, user_id, exc)
        _fail(api, user_id, export_id, "the export could not be built")
        return {"status": "failed"}
    except DataserviceError as exc:
        if failures >= rt.settings.max_failures:
            log.error("export %s of runner %s: gave up: %s", export_id, user_id, exc)
            _fail(api, user_id, export_id, "the export could not be built; please try again")
            return {"status": "failed"}
        log.warning("export %s of runner %s: %s", export_id, user_id, exc)
        retry(
            self,
            kwargs={**kwargs, "failures": failures + 1},
            countdown=_backoff(rt, failures),
            exc=exc,
        )
    except Exception:  # a bug of ours: the runner sees it failed, not building for ever
        _fail(api, user_id, export_id, "the export could not be built")
        raise
    if result["status"] == "ready":
        _announce(self, rt, user_id, profile_url, result)
    log.info("export %s of runner %s: %s", export_id, user_id, result["status"])
    return result


def _build(api: ExportsAPI, user_id: int, export_id: int) -> dict[str, Any]:
    export = api.get(user_id, export_id)
    if export["state"] not in ("queued", "building"):
        return {"status": "done_before", "state": export["state"]}  # a redelivery
    content = api.content(user_id, export_id)
    files = content["files"]
    total = len(files)
    api.report(user_id, export_id, state="building", done=0, total=total)
    with tempfile.TemporaryFile(prefix="runnerly-export-") as raw:
        with ExportZip(raw) as zf:
            reported = time.monotonic()
            for done, item in enumerate(files, 1):
                data = api.file(user_id, export_id, item["run_id"])
                if data is not None:  # a run deleted meanwhile has no file
                    zf.add(item["name"], data)
                if time.monotonic() - reported >= PROGRESS_SECONDS:
                    api.report(user_id, export_id, state="building", done=done, total=total)
                    reported = time.monotonic()
            zf.finish(content["document"])
        size, digest = _upload(api, user_id, export_id, raw)
    api.report(user_id, export_id, state="building", done=total, total=total)
    ready = api.report(user_id, export_id, state="ready", size=size, sha256=digest)
    return {
        "status": "ready",
        "files": total,
        "size": size,
        "expires_at": ready["expires_at"],
    }


def _upload(api: ExportsAPI, user_id: int, export_id: int, raw: IO[bytes]) -> tuple[int, str]:
    raw.seek(0)
    digest, size, seq = hashlib.sha256(), 0, 0
    while chunk := raw.read(CHUNK):
        api.put_chunk(user_id, export_id, seq, chunk)
        digest.update(chunk)
        size, seq = size + len(chunk), seq + 1
    return size, digest.hexdigest()


def _fail(api: ExportsAPI, user_id: int, export_id: int, why: str) -> None:
    try:
        api.report(user_id, export_id, state="failed", error=why)
    except (DataserviceError, ExportGone) as exc:  # beat fails a stalled build later
        log.warning("export %s of runner %s: not marked failed: %s", export_id, user_id, exc)


def _announce(
    task: Task, rt: Runtime, user_id: int, profile_url: str, result: dict[str, Any]
) -> None:
    """Queue the "your export is ready" mail; the export stands whatever happens here."""
    try:
        user = rt.dataservice.user(user_id)
    except DataserviceError as exc:
        log.error("export of runner %s ready, not announced: %s", user_id, exc)
        return
    if user is None or user.get("disabled") or not (user.get("email") or "").strip():
        return
    mail = export_ready_mail(user, profile_url, result["expires_at"], runner_id=user_id)
    DELIVER_MAIL.send(task.app, mail.task_kwargs())


def export_ready_mail(
    user: dict[str, Any], profile_url: str, expires_at: str, runner_id: int | None = None
) -> Any:
    name = "".join(ch for ch in str(user.get("first_name") or "") if ch.isprintable()).strip()
    day = expires_at[:10]
    origin = profile_url.split("/", 3)
    return compose(
        str(user["email"]),
        "Your Runnerly export is ready",
        [
            "The export of all your data you asked for is ready: a zip with your profile, "
            "every run (as JSON and as its file), your races and your plans.",
            f"Download it from your profile until {day}; after that it is deleted and you "
            "can ask for a new one.",
        ],
        public_url="/".join(origin[:3]),
        action=Action("Open your profile", profile_url),
        greeting=f"Hi {name}," if name else "Hello,",
        headers={"X-Runnerly-Mail": "export"},
        runner_id=runner_id,
    )


@shared_task(name=EXPIRE_EXPORTS.name, bind=True, acks_late=True, max_retries=None)
def expire_exports(self: Task, failures: int = 0) -> dict[str, Any]:
    """Beat's: expired exports deleted with their bytes, stalled builds failed."""
    rt = _runtime(self)
    try:
        result = ExportsAPI(rt.dataservice).expire()
    except (DataserviceError, ExportGone) as exc:
        log.warning("expiring exports: %s", exc)
        return {"status": "error"}  # the next hour's round does it
    if result["deleted"] or result["failed"]:
        log.info("exports: %s expired, %s stalled builds failed", *result.values())
    return {"status": "done", **result}
