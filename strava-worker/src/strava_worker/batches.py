"""A page of Strava activities into the dataservice, whatever one of them holds.

:func:`strava_worker.mapping.sort_page` sets aside what it knows the dataservice would refuse;
should the dataservice still refuse a batch (a bound the worker does not know of, a newer
dataservice), the batch is halved until the refused runs are found.  They are set aside
with the dataservice's own words and the rest is stored: a 400 costs a few more dataservice
calls (about 2 log2 n for one bad run in n), never a Strava request, never the page.

The set-aside records go in a call of their own, after the runs: a dataservice that cannot
take them (an older one) then loses the records, not the runs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime
from typing import Any

from runnerly_common import dates, run_bounds
from strava_worker import gear, mapping
from strava_worker.dataservice import DataserviceRefused
from strava_worker.mapping import Page
from strava_worker.runtime import Runtime

log = logging.getLogger(__name__)
COUNTS = ("created", "updated", "unchanged", "deleted", "set_aside")


def store(rt: Runtime, user_id: int, page: Page) -> dict[str, int]:
    """Store the page's runs and deletions, then record what was set aside; the counts."""
    refused: list[dict[str, Any]] = []
    counts = _send(rt, user_id, page.runs, page.deleted, refused)
    set_aside = [*page.set_aside, *refused]
    if set_aside:
        try:
            rt.dataservice.upsert_runs(user_id, [], set_aside=set_aside)
        except DataserviceRefused as exc:
            log.error("runner %s: the set-aside activities were refused: %s", user_id, exc)
        else:
            counts["set_aside"] += len(set_aside)
    return dict(counts)


def _send(
    rt: Runtime,
    user_id: int,
    runs: list[dict[str, Any]],
    deleted: list[dict[str, str]],
    refused: list[dict[str, Any]],
) -> Counter[str]:
    counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
    if not runs and not deleted:
        return counts
    try:
        answer = rt.dataservice.upsert_runs(user_id, runs, deleted)
    except DataserviceRefused as exc:
        if len(runs) > 1:
            half = len(runs) // 2
            counts.update(_send(rt, user_id, runs[:half], deleted, refused))
            counts.update(_send(rt, user_id, runs[half:], [], refused))
            return counts
        if runs:
            run = runs[0]
            log.warning("runner %s: activity %s refused: %s", user_id, run["external_id"], exc)
            refused.append(_refused(run, exc))
            return _send(rt, user_id, [], deleted, refused)
        # Only deletions, refused: they name runs by key alone, so this is our bug or the
        # dataservice's; retrying would not help.
        log.error("runner %s: deletions refused by the dataservice: %s", user_id, exc)
        return counts
    counts.update({k: int(answer.get(k, 0)) for k in COUNTS if k != "set_aside"})
    gear.name_new(rt, user_id, list(answer.get("new_gear", [])))
    return counts


def _refused(run: dict[str, Any], exc: DataserviceRefused) -> dict[str, Any]:
    """The set-aside record of a refused run: what was refused may be the very title or
    date, so the record carries only what the dataservice keeps."""
    detail = re.sub(r"^body\.runs\[\d+\]\.", "", exc.detail)
    start = run.get("start_time")
    return {
        "source": run["source"],
        "external_id": run["external_id"],
        "reason": f"Runnerly could not store it: {detail}"[: run_bounds.REASON_MAX],
        "title": mapping.clean_title(run.get("title")),
        "start_time": start if isinstance(start, str) and _storable(start) else None,
    }


def _storable(start: str) -> bool:
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None and dates.datetime_problem(moment) is None
