"""One runner's sync: a resumable backfill of the whole history, then incremental syncs,
with a daily reconciliation of the recent weeks.

Every read is a :class:`~strava_worker.listing.Window` read page by page without trusting
the order of Strava's pages.  Its state is stored after each page (the backfill's in the
link, an incremental sync's in the next task's ``resume``), so a sync stopped by the rate
budget, a crash or a deploy resumes at the exact page.  Runs are written before the
progress: a page redone after a crash is ``unchanged`` in the dataservice, never duplicated,
and still counted once in ``runs_imported`` (every run of a backfill's page counts).

What a listing by start time cannot see, and how it is caught:

- **late uploads** (a run that started before the newest one seen): each incremental sync
  reads ``SYNC_LOOKBACK_HOURS`` behind its cursor, and the daily reconciliation the last
  ``RECONCILE_DAYS``;
- **silent edits** (Strava sends no event for a new distance, a crop or a new start): the
  same re-reads store the activity again, and the dataservice updates what changed;
- **deletions whose event was lost**: the reconciliation asks Strava about each stored run
  of its window the listing no longer shows, and deletes it on a 404;
- **a set-aside activity corrected on Strava** long ago: the reconciliation fetches it
  again (those within its weeks are in the listing), so it comes in once it can be stored.

It asks about at most ``RECONCILE_CHECKS`` activities a day.

A reconciliation's read takes the place of one incremental sync's (30 days usually fit
the one page a sync reads anyway); what it costs beyond that, the runs it asks about, is
the lowest priority: :attr:`Runtime.reconcile_strava` stops at ``RECONCILE_BUDGET_PERCENT``
of each window.  The checks it stops wait in the task's ``resume`` for the window to open
again, and the reconciliation is done (``reconciled_at``) only once they are asked: a
reconciliation run just after a busy stretch (a backfill) would otherwise report itself done
and put the checks off a whole day.

The cursor (the newest start seen, never later than the sync itself) only anchors the
look-back; an activity dated in the future cannot push it beyond today.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from strava_worker import athletes, batches, mapping
from strava_worker.budget import OutOfBudget
from strava_worker.listing import Window, next_window
from strava_worker.runtime import Runtime
from strava_worker.strava import NotFound, Refused, StravaClient
from strava_worker.tokens import epoch, iso, with_token

log = logging.getLogger(__name__)
DONE, MORE, RECONNECT = "done", "more", "reconnect"
# Links the sync leaves alone until the runner connects Strava again.
STOPPED = ("reconnect", "deauthorized")


def sync_runner(rt: Runtime, user_id: int, resume: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sync up to ``max_pages_per_run`` pages; ``status`` MORE asks to be enqueued again
    (with the result's ``resume``, when there is one, as the next run's ``resume``).

    Raises ``OutOfBudget``/``RateLimited`` (reschedule), ``ServerError`` or
    ``DataserviceError`` (retry with backoff), ``Deauthorized`` and ``NotLinked`` (stop).
    """
    with rt.runner_lock(user_id):
        link = rt.dataservice.link(user_id)
        if link.get("sync_state") in STOPPED:
            return {"status": RECONNECT}
        if _backfilling(link):
            return _backfill(rt, user_id, link)
        return _incremental(rt, user_id, link, resume or {})


def _backfilling(link: dict[str, Any]) -> bool:
    return bool(
        not link.get("sync_cursor")
        or link.get("backfill_before")
        or link.get("backfill_after")
        or (link.get("backfill_page") or 1) > 1
    )


def _list(
    rt: Runtime, user_id: int, link: dict[str, Any], client: StravaClient, window: Window
) -> list[dict[str, Any]]:
    params = window.params(rt.settings.per_page)
    return with_token(rt, user_id, link, lambda token: client.list_activities(token, **params))


def _newest(
    current: datetime | None, activities: list[dict[str, Any]], now: float
) -> datetime | None:
    """The cursor after ``activities``: their newest start, but never past ``now``."""
    starts = [current] if current else []
    starts += mapping.cursor_starts(activities)
    if not starts:
        return None
    return min(max(starts), datetime.fromtimestamp(now, UTC))


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _epoch_or_none(text: str | None) -> int | None:
    return epoch(text) if text else None


def _iso_or_none(seconds: int | None) -> str | None:
    return iso(seconds) if seconds is not None else None


def _backfill(rt: Runtime, user_id: int, link: dict[str, Any]) -> dict[str, Any]:
    s = rt.settings
    window = Window(
        _epoch_or_none(link.get("backfill_after")),
        _epoch_or_none(link.get("backfill_before")),
        link.get("backfill_page") or 1,
    )
    newest = _moment(link.get("sync_cursor"))
    pages, previous = 0, set[str]()
    while pages < s.max_pages_per_run:
        started = time.time()
        activities = _list(rt, user_id, link, rt.strava, window)
        page = mapping.sort_page(activities)
        counts = batches.store(rt, user_id, page)
        pages += 1
        newest = _newest(newest, activities, started)
        # Not just "created": a page whose runs were stored before a crash or an outage
        # stopped its progress update is redone and answers "unchanged".  The runs of the
        # second a window shrank to are read twice: counted once.
        ids = {run["external_id"] for run in page.runs}
        stored = counts["created"] + counts["updated"] + counts["unchanged"]
        stored -= len(ids & previous)
        previous = ids
        progress: dict[str, Any] = {
            "pages_done": link["pages_done"] + 1,
            "runs_imported": link["runs_imported"] + stored,
            "sync_state": "backfilling",
            "sync_error": None,
            "sync_cursor": newest.isoformat() if newest else None,
        }
        following = next_window(window, activities, s.per_page)
        if following is None:  # the whole history is read: the count is the dataservice's
            progress.update(
                runs_imported=rt.dataservice.strava_run_count(user_id),
                sync_state="idle",
                backfill_before=None,
                backfill_after=None,
                backfill_page=1,
                last_sync_at=iso(started),
                reconciled_at=iso(started),
                sync_cursor=progress["sync_cursor"] or iso(started),
            )
            rt.dataservice.update_link(user_id, **progress)
            athletes.ensure_named(rt, user_id, link)  # once a link's history is in
            return {"status": DONE, "pages": pages, **counts}
        progress.update(
            backfill_before=_iso_or_none(following.before),
            backfill_after=_iso_or_none(following.after),
            backfill_page=following.page,
        )
        link = {**link, **rt.dataservice.update_link(user_id, **progress)}
        window = following
    return {"status": MORE, "pages": pages}


def _reconcile_due(rt: Runtime, link: dict[str, Any], now: float) -> bool:
    last = _epoch_or_none(link.get("reconciled_at"))
    return last is None or now - last >= rt.settings.reconcile_interval


def _incremental(
    rt: Runtime, user_id: int, link: dict[str, Any], resume: dict[str, Any]
) -> dict[str, Any]:
    """What started after the look-back (or, once a day, the reconciliation's weeks).
    ``resume`` goes on with a read that takes more than one run: its window, the newest
    start seen, and whether it is a reconciliation; or with a reconciliation's checks the
    budget stopped (``check``)."""
    s = rt.settings
    started = time.time()
    if isinstance(resume.get("check"), list):
        return _resume_checks(rt, user_id, link, resume["check"], started)
    newest = _moment(resume.get("newest")) or _moment(link["sync_cursor"])
    if isinstance(resume.get("window"), list):
        window = Window(*resume["window"])
        reconcile = bool(resume.get("reconcile"))
    else:
        resume = {}
        reconcile = _reconcile_due(rt, link, started)
        after = epoch(link["sync_cursor"]) - s.sync_lookback_hours * 3600
        if reconcile:
            after = min(after, int(started) - s.reconcile_days * 86400)
        window = Window(after)
    first = window.after
    created = updated = 0
    seen: set[int] = set()
    pages = 0
    while pages < s.max_pages_per_run:
        pages += 1
        activities = _list(rt, user_id, link, rt.strava, window)
        page = mapping.sort_page(activities)
        counts = batches.store(rt, user_id, page)
        created, updated = created + counts["created"], updated + counts["updated"]
        seen |= page.ids
        newest = _newest(newest, activities, started)
        following = next_window(window, activities, s.per_page)
        if following is None:
            break
        window = following
    else:
        return {
            "status": MORE,
            "pages": pages,
            "created": created,
            "resume": {
                "window": [window.after, window.before, window.page],
                "newest": newest.isoformat() if newest else None,
                "reconcile": reconcile,
            },
        }
    progress: dict[str, Any] = {
        "sync_cursor": (newest.isoformat() if newest else link["sync_cursor"]),
        "last_sync_at": iso(started),
        "runs_imported": link["runs_imported"] + created,
        "sync_state": "idle",
        "sync_error": None,
    }
    result = {"status": DONE, "pages": pages, "created": created, "updated": updated}
    left: list[int] = []
    if reconcile:
        # Only a window read in this one run lists every id it holds; a resumed one
        # (thousands of activities in the weeks) leaves deletions to its events.
        if not resume and first is not None:
            wanted = _to_check(rt, user_id, first, seen)
            result["deleted"], left, _ = _ask(rt, user_id, link, wanted)
        if not left:
            progress["reconciled_at"] = iso(started)
            result["reconciled"] = True
    rt.dataservice.update_link(user_id, **progress)
    if left:
        # The budget stopped the checks (the syncs spent the window's lowest share): the
        # next run asks the rest once the window opens again, not a day later.
        return {**result, "status": MORE, "resume": {"check": left}}
    return result


def _resume_checks(
    rt: Runtime, user_id: int, link: dict[str, Any], numbers: list[Any], started: float
) -> dict[str, Any]:
    """A reconciliation's checks the budget stopped; the reconciliation is done once they
    are.  Raises ``OutOfBudget`` when not one could be asked: the task waits for the window."""
    wanted = [n for n in (mapping.activity_id({"id": x}) for x in numbers) if n is not None]
    deleted, left, stopped = _ask(rt, user_id, link, wanted)
    if stopped is not None and len(left) == len(wanted):
        raise stopped
    if left:
        return {"status": MORE, "pages": 0, "deleted": deleted, "resume": {"check": left}}
    rt.dataservice.update_link(user_id, reconciled_at=iso(started))
    return {"status": DONE, "pages": 0, "deleted": deleted, "reconciled": True}


def _to_check(rt: Runtime, user_id: int, after: int, seen: set[int]) -> list[int]:
    """What the window's listing cannot settle, at most ``RECONCILE_CHECKS`` activities:
    first each stored run of the window the listing did not show (deleted on Strava, or
    made private to a token that may not see it), then activities set aside that started
    before the window (the window re-reads the others), so a correction on Strava brings
    any of them in."""
    since = datetime.fromtimestamp(after + 1, UTC)
    wanted = []
    for run in rt.dataservice.strava_runs_since(user_id, since):
        number = mapping.activity_id({"id": run.get("external_id")})
        if number is not None and number not in seen:
            wanted.append(number)
    aside = sorted(rt.dataservice.strava_set_aside(user_id), key=lambda a: a["seen_at"])
    for item in aside:
        start = _moment(item.get("start_time"))
        number = mapping.activity_id({"id": item.get("external_id")})
        if number is not None and number not in seen and (start is None or start <= since):
            wanted.append(number)
    if len(wanted) > rt.settings.reconcile_checks:
        log.info("runner %s: %s activities left for the next reconciliation", user_id,
                 len(wanted) - rt.settings.reconcile_checks)  # fmt: skip
    return wanted[: rt.settings.reconcile_checks]


def _ask(
    rt: Runtime, user_id: int, link: dict[str, Any], wanted: list[int]
) -> tuple[int, list[int], OutOfBudget | None]:
    """Ask Strava about each of ``wanted`` within the reconciliation's share of the budget:
    an answer stores it again, a 404 deletes it.  Returns how many runs were deleted, the
    activities the budget left unasked, and the budget's refusal (None: none)."""
    client, found, gone = rt.reconcile_strava, [], []
    left: list[int] = []
    stopped: OutOfBudget | None = None
    for i, number in enumerate(wanted):
        try:

            def fetch(token: str, n: int = number) -> dict[str, Any]:
                return client.get_activity(token, n)

            found.append(with_token(rt, user_id, link, fetch))
        except NotFound:
            gone.append(number)
        except Refused as exc:
            log.warning("runner %s: Strava refused activity %s: %s", user_id, number, exc)
        except OutOfBudget as exc:
            stopped, left = exc, wanted[i:]
            log.info("runner %s: %s activities wait for the budget: %s", user_id, len(left), exc)
            break
    page = mapping.sort_page(found)
    page.deleted.extend(mapping.deletion(n) for n in gone)
    return batches.store(rt, user_id, page)["deleted"], left, stopped
