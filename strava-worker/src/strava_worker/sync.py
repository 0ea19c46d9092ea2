"""One runner's sync: a resumable backfill of the whole history, then incremental syncs.

The backfill pages back in time with ``before`` (not page numbers, which shift when a new
activity arrives) and stores ``backfill_before``, ``pages_done`` and ``runs_imported``
after each page, so a sync stopped by the rate budget, a crash or a deploy resumes at the
exact page.  Runs are written before the progress: a page redone after a crash is
``unchanged`` in the dataservice, never duplicated, and still counted once in
``runs_imported`` (every run of a page done counts, new or not).  Later syncs ask for what started
``after`` the cursor (the newest start seen).  Deletions are not visible in a listing;
webhook events bring them (:mod:`strava_worker.events`).
"""

from __future__ import annotations

import time
from typing import Any

from strava_worker import mapping
from strava_worker.runtime import Runtime
from strava_worker.tokens import epoch, iso, with_token

DONE, MORE = "done", "more"


def sync_runner(rt: Runtime, user_id: int, resume: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sync up to ``max_pages_per_run`` pages; ``status`` MORE asks to be enqueued again
    (with the result's ``resume``, when there is one, as the next run's ``resume``).

    Raises ``OutOfBudget``/``RateLimited`` (reschedule), ``ServerError`` or
    ``DataserviceError`` (retry with backoff), ``Deauthorized`` and ``NotLinked`` (stop).
    """
    with rt.runner_lock(user_id):
        link = rt.dataservice.link(user_id)
        if link.get("backfill_before") or not link.get("sync_cursor"):
            return _backfill(rt, user_id, link)
        return _incremental(rt, user_id, link, resume or {})


def _push(rt: Runtime, user_id: int, activities: list[dict[str, Any]]) -> dict[str, int]:
    runs = [mapping.to_run(a) for a in activities if mapping.is_run(a)]
    if not runs:
        return {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    return rt.dataservice.upsert_runs(user_id, runs)


def _backfill(rt: Runtime, user_id: int, link: dict[str, Any]) -> dict[str, Any]:
    s = rt.settings
    pages = 0
    while pages < s.max_pages_per_run:
        before = link.get("backfill_before")
        params: dict[str, Any] = {"per_page": s.per_page}
        if before:
            params["before"] = epoch(before)
        started = time.time()
        activities = with_token(
            rt,
            user_id,
            link,
            lambda token, params=params: rt.strava.list_activities(token, **params),
        )
        counts = _push(rt, user_id, activities)
        pages += 1
        # Not just "created": a page whose runs were stored before a crash or an outage
        # stopped its progress update is redone and answers "unchanged".
        stored = counts["created"] + counts["updated"] + counts["unchanged"]
        progress: dict[str, Any] = {
            "pages_done": link["pages_done"] + 1,
            "runs_imported": link["runs_imported"] + stored,
            "sync_state": "backfilling",
            "sync_error": None,
        }
        if not link.get("sync_cursor"):  # the first page holds the newest activity
            newest = max(mapping.cursor_starts(activities), default=None)
            progress["sync_cursor"] = newest.isoformat() if newest else iso(started)
        if len(activities) < s.per_page:  # the oldest page: history is complete
            progress.update(sync_state="idle", backfill_before=None, last_sync_at=iso(started))
            link = rt.dataservice.update_link(user_id, **progress)
            return {"status": DONE, "pages": pages, **counts}
        oldest = mapping.oldest_start(activities)
        progress["backfill_before"] = oldest.isoformat()
        link = rt.dataservice.update_link(user_id, **progress)
    return {"status": MORE, "pages": pages}


def _incremental(
    rt: Runtime, user_id: int, link: dict[str, Any], resume: dict[str, Any]
) -> dict[str, Any]:
    """What started after the cursor, newest first.  ``resume`` goes on with a sync that
    found more than one run takes: ``before`` where it stopped, the ``newest`` it saw."""
    s = rt.settings
    after = epoch(link["sync_cursor"])
    started = time.time()
    newest = mapping.start_of({"start_date": resume.get("newest") or link["sync_cursor"]})
    before = resume.get("before")
    created = updated = 0
    for page in range(1, s.max_pages_per_run + 1):
        activities = with_token(
            rt,
            user_id,
            link,
            lambda token, page=page: rt.strava.list_activities(
                token, before=before, after=after, page=page, per_page=s.per_page
            ),
        )
        counts = _push(rt, user_id, activities)
        created, updated = created + counts["created"], updated + counts["updated"]
        newest = max([newest, *mapping.cursor_starts(activities)])
        if len(activities) < s.per_page:
            break
    else:
        # More new activities than one run takes.  The cursor stays until the gap down to
        # it is closed; the next run goes on below this page's oldest start (one second
        # above it, so activities sharing that second are read again, not missed).
        oldest = min(mapping.start_of(a) for a in activities)
        return {
            "status": MORE,
            "pages": s.max_pages_per_run,
            "created": created,
            "resume": {"before": int(oldest.timestamp()) + 1, "newest": newest.isoformat()},
        }
    rt.dataservice.update_link(
        user_id,
        sync_cursor=newest.isoformat(),
        last_sync_at=iso(started),
        runs_imported=link["runs_imported"] + created,
        sync_state="idle",
        sync_error=None,
    )
    return {"status": DONE, "pages": page, "created": created, "updated": updated}
