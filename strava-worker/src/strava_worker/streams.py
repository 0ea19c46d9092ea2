"""A runner's activity streams: fetched after the summaries, with what the budget leaves.

Best efforts, splits and records inside a run need its streams (time, distance, ...), one
Strava request per run.  Years of history are thousands of requests, so streams come
last: only once the runner's summary backfill is done, newest run first (the dataservice's
``listStreamsPending``), with :attr:`Runtime.streams_strava`, which stops at
``STREAMS_BUDGET_PERCENT`` of each window, so a sync always finds its share.  Over Strava's
daily limit a backfill of streams goes on the next day: the budget answers "tomorrow", the
task ends ``deferred``, and the runner's next completed sync sends it again.

No token refresh here: the sync keeps the token fresh (every ``SYNC_INTERVAL``), and two
refreshes racing would risk a rotated refresh token.  A token too close to its expiry
waits for the next sync.  Nor the runner's lock, and the task has a queue and workers of
its own (``streams``): a sync never waits for streams, neither for a lock nor for a slot.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from strava_worker import sync
from strava_worker.dataservice import DataserviceRefused
from strava_worker.runtime import Runtime
from strava_worker.strava import NotFound, Refused, Unauthorized
from strava_worker.tokens import epoch

log = logging.getLogger(__name__)
KEYS = (
    "time", "distance", "latlng", "altitude", "heartrate", "cadence", "moving", "velocity_smooth"
)  # fmt: skip
DONE, MORE = "done", "more"
# Seconds between two batches of a runner's streams (and after its sync).  The task has a
# queue of its own (``streams``, taken by workers of its own), so syncs do not wait for it;
# the pause still lets a worker started without ``--queues`` take a sync between batches.
PAUSE = 5


def fetch(rt: Runtime, user_id: int) -> dict[str, Any]:
    """Fetch up to ``STREAMS_PER_TASK`` runs' streams; ``MORE``: send the task again.

    Raises ``OutOfBudget`` (wait), ``ServerError``/``DataserviceError`` (retry),
    ``NotLinked`` (stop); ``Busy`` when another task fetches this runner's streams."""
    if rt.settings.streams_budget_percent <= 0:
        return {"status": "off"}
    with rt.streams_lock(user_id):
        link = rt.dataservice.link(user_id)
        if link.get("sync_state") in sync.STOPPED or sync._backfilling(link):
            return {"status": "after summaries"}  # the backfill's end sends this task again
        if epoch(link["expires_at"]) - time.time() <= rt.settings.refresh_margin:
            return {"status": "token"}  # the next sync refreshes it, then sends this again
        limit = rt.settings.streams_per_task
        pending = rt.dataservice.streams_pending(user_id, limit)
        fetched = 0
        for run in pending:
            try:
                streams = _streams(rt, link["access_token"], run["external_id"])
            except Unauthorized:  # revoked or expired early: the sync finds out which
                return {"status": "token", "fetched": fetched}
            try:
                rt.dataservice.put_streams(user_id, run["external_id"], streams)
            except DataserviceRefused as exc:  # streams it cannot keep: noted as none
                log.warning("runner %s: streams of %s refused: %s", user_id, run, exc)
                rt.dataservice.put_streams(user_id, run["external_id"], None)
            fetched += 1
        status = MORE if len(pending) == limit and limit > 0 else DONE
        return {"status": status, "fetched": fetched}


def _streams(rt: Runtime, token: str, external_id: str) -> dict[str, list[Any]] | None:
    """{key: values} of the activity, None when Strava has none to give (a manual entry,
    an activity gone or private now: asked once, not again)."""
    try:
        number = int(external_id)
    except ValueError:
        return None
    try:
        answer = rt.streams_strava.get_streams(token, number, KEYS)
    except NotFound:
        return None
    except Refused as exc:
        log.warning("Strava refused the streams of %s: %s", number, exc)
        return None
    return to_columns(answer)


def to_columns(answer: Any) -> dict[str, list[Any]] | None:
    """Strava's StreamSet (keyed by type, or a list of typed streams) as {key: data};
    None without the time and distance a best effort needs."""
    if isinstance(answer, list):
        answer = {s.get("type"): s for s in answer if isinstance(s, dict)}
    if not isinstance(answer, dict):
        return None
    columns = {
        key: stream["data"]
        for key, stream in answer.items()
        if key in KEYS and isinstance(stream, dict) and isinstance(stream.get("data"), list)
    }
    if "time" not in columns or "distance" not in columns or len(columns["time"]) < 2:
        return None
    size = len(columns["time"])
    return {key: data for key, data in columns.items() if len(data) == size}
