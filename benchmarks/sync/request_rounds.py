"""What the sync costs in Strava requests, for benchmarks/sync/ (issue 15).

Strava bills requests, not CPU: at its default limits (1,000 a day and 100 per 15 minutes
for an application) the requests one runner costs a day decide how many runners one
application can serve.  After the backfill rounds, on the same stack and runners:

- an **incremental round**: fresh workers, ``sync_runner`` once for every runner, nothing
  due to reconcile (the backfill set ``reconciled_at``): the look-back's read, the
  baseline;
- a **reconciliation round**: first a share of the runners' activities changed on
  strava-sim without an event (``?notify=false``): late uploads beyond the look-back,
  silent distance corrections and deletions, all in the reconciliation's weeks; then
  fresh workers with ``RECONCILE_INTERVAL=1`` (every sync is due) sync every runner once,
  and the dataservice must hold exactly the changed data.

The requests are strava-sim's own count (``GET /admin/rate-limits``, reset before each
round): what Strava would bill, every metered request whatever its answer.  The sim's
probes count the same requests by route, which splits them into list pages and single
activities and stands in should a round cross the sim's day boundary.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import requests
from celery import Celery

from benchmarks.dataservice.data import libpq_url
from benchmarks.sync.measure import SYNC_TASK, _stored, count_problems
from benchmarks.sync.probe import read_lines
from benchmarks.sync.stack import Stack, running_activities, workers
from runnerly_common.tasks import SYNC_RUNNER
from strava_worker.mapping import RUNNING_SPORTS

POLL_SECONDS = 0.1
METERED = ("/api/v3/athlete", "/api/v3/activities")  # every path strava-sim (Strava) counts
LIST_ROUTE = "GET /api/v3/athlete/activities"
ACTIVITY_ROUTE = "GET /api/v3/activities/{n}"
# Strava's default limits for an application, and the intervals the report sizes them for:
# the worker's default, and the one push events allow (docs: strava-worker/README.md).
DAILY_LIMIT, WINDOW_LIMIT, WINDOW_SECONDS, DAY = 1000, 100, 900, 86400
SYNC_INTERVALS = (900, 21600)
# The worker's defaults the changes are placed against (strava_worker.settings).
LOOKBACK = timedelta(hours=72)
RECONCILE_WINDOW = timedelta(days=30)
KINDS = ("late_uploads", "edits", "deletions")
STOPPED = ("error", "deauthorized", "reconnect")  # link states no sync leaves by itself


def _admin(method: str, url: str, **kwargs: Any) -> requests.Response:
    answer = requests.request(method, url, timeout=30, **kwargs)
    answer.raise_for_status()
    return answer


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _links(conn: psycopg.Connection[Any], ids: list[int]) -> dict[int, tuple[Any, str, Any]]:
    """Per runner: last_sync_at, sync_state, sync_cursor."""
    rows = conn.execute(
        "SELECT user_id, last_sync_at, sync_state, sync_cursor FROM strava_links "
        "WHERE user_id = ANY(%s)",
        (ids,),
    ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _usage(sim_url: str) -> tuple[int, int]:
    """(strava-sim's daily request count, its day's length in seconds)."""
    body = _admin("GET", f"{sim_url}/admin/rate-limits").json()
    return int(body["usage"]["X-RateLimit-Usage"].split(",")[1]), int(
        body["limits"]["rate_day_seconds"]
    )


def _metered(stack: Stack, started: float, ended: float) -> Counter[str]:
    """The sim's metered requests of the round, by route and status."""
    counts: Counter[str] = Counter()
    for line in read_lines(stack.probe_dir, "strava-sim"):
        path = line["route"].split(" ", 1)[-1]
        if started <= line["end"] <= ended and path.startswith(METERED):
            counts[f"{line['route']} {line['status']}"] += 1
    return counts


def _task_lines(stack: Stack, started: float, runners: int, wait: float) -> list[dict[str, Any]]:
    """The worker's probe line of every sync task since ``started``: each is written once
    its task has returned, a moment after the link's last update."""
    deadline = time.monotonic() + wait
    while True:
        lines = [
            line
            for line in read_lines(stack.probe_dir, "worker")
            if line.get("task") == SYNC_TASK and line["end"] >= started
        ]
        done = sum(1 for line in lines if line.get("status") != "more")
        if done >= runners or time.monotonic() > deadline:
            return lines
        time.sleep(POLL_SECONDS)


def request_round(
    stack: Stack,
    runners: dict[int, int],
    *,
    name: str,
    concurrency: int,
    timeout: float,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Sync every one of ``runners`` (athlete → runner id, all backfilled) once with fresh
    workers (``env``: their settings for this round); the Strava requests it cost."""
    ids = list(runners.values())
    with (
        workers(stack, concurrency, row_by_row=False, name=name, env=env) as worker,
        psycopg.connect(libpq_url(stack.database_url), autocommit=True) as conn,
    ):
        before = {rid: link[0] for rid, link in _links(conn, ids).items()}
        client = Celery(broker=stack.broker_url)
        client.connection_for_write().ensure_connection()
        time.sleep(1)  # the workers' first poll of the broker
        _admin("POST", f"{stack.sim_url}/admin/rate-limits", json={"reset_usage": True})
        started = time.time()
        for runner_id in ids:
            SYNC_RUNNER.send(client, {"user_id": runner_id})
        while True:
            links = _links(conn, ids)
            synced = [r for r, (at, s, _) in links.items() if s == "idle" and at != before[r]]
            failed = [r for r, (_, state, _) in links.items() if state in STOPPED]
            if len(synced) == len(ids) or failed or time.time() - started > timeout:
                break
            if worker.errors_in_log():
                break
            time.sleep(POLL_SECONDS)
        ended = time.time()
        sim_usage, day = _usage(stack.sim_url)
        tasks = _task_lines(stack, started, len(ids), wait=10)
        client.close()
        worker_errors = worker.errors_in_log()
    by_route = _metered(stack, started, ended + 1)
    probed = sum(by_route.values())
    crossed_day = int(started // day) != int(ended // day)
    problems = []
    if len(synced) < len(ids):
        problems.append(
            f"{len(ids) - len(synced)} of {len(ids)} runners not synced "
            f"({len(failed)} in error or stopped)"
        )
    problems += worker_errors[:10]
    if not crossed_day and sim_usage != probed:
        problems.append(f"strava-sim counted {sim_usage} requests, its probes {probed}")
    requests_billed = probed if crossed_day else sim_usage
    statuses = Counter(str(line.get("status")) for line in tasks)
    return {
        "name": name,
        "concurrency": concurrency,
        "runners": len(ids),
        "seconds": ended - started,
        "strava_requests": requests_billed,
        "counted_by": "strava-sim probes (the round crossed the sim's day)"
        if crossed_day
        else "strava-sim",
        "sim_usage": sim_usage,
        "probed": probed,
        "by_route": dict(sorted(by_route.items())),
        "list_pages": sum(n for k, n in by_route.items() if k.startswith(LIST_ROUTE + " ")),
        "activity_gets": sum(n for k, n in by_route.items() if k.startswith(ACTIVITY_ROUTE)),
        "per_runner": requests_billed / max(len(ids), 1),
        "tasks": len(tasks),
        "task_statuses": dict(statuses),
        "reconciled": sum(1 for line in tasks if line.get("reconciled")),
        "deleted": sum(int(line.get("deleted") or 0) for line in tasks),
        "problems": problems[:20],
    }


def _runs(conn: psycopg.Connection[Any], runner_id: int) -> dict[str, float]:
    rows = conn.execute(
        "SELECT external_id, distance FROM runs WHERE runner_id = %s AND source = 'strava'",
        (runner_id,),
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def make_changes(stack: Stack, runners: dict[int, int], share: float, seed: int) -> dict[str, Any]:
    """Change about ``share`` of the runners on strava-sim without an event, one change
    each, as many of each kind: a run uploaded now that started days before the
    look-back, a distance correction of a run in the reconciliation's weeks but before the
    look-back, a deletion of such a run.  None of them is within an incremental sync's
    reach: only the reconciliation can catch them."""
    rng = random.Random(seed)
    athletes = sorted(runners)
    rng.shuffle(athletes)
    per_kind = max(1, round(share * len(athletes)))
    wanted = [kind for _ in range(per_kind) for kind in KINDS]
    now = datetime.now(UTC)
    oldest = now - RECONCILE_WINDOW + timedelta(days=1)  # a day's margin inside the window
    changes: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    with psycopg.connect(libpq_url(stack.database_url), autocommit=True) as conn:
        cursors = {rid: link[2] for rid, link in _links(conn, list(runners.values())).items()}
        for athlete in athletes:
            if not wanted:
                break
            runner = runners[athlete]
            # Before the look-back of the cursor (the newest start the sync has seen).
            newest = min(cursors[runner], now) - LOOKBACK - timedelta(hours=1)
            kind = wanted[0]
            if kind == "late_uploads":
                start = min(newest - timedelta(days=3), now - timedelta(days=10))
                if start <= oldest:
                    continue
                start -= timedelta(seconds=rng.randrange(3600))
                body = {
                    "name": "Late upload (sync benchmark)",
                    "sport_type": "Run",
                    "distance": round(rng.uniform(5000, 15000), 1),
                    "moving_time": 3000,
                    "elapsed_time": 3100,
                    "start_date": _iso(start),
                }
                answer = _admin(
                    "POST",
                    f"{stack.sim_url}/admin/athletes/{athlete}/activities",
                    params={"notify": "false"},
                    json=body,
                ).json()
                change = {"id": str(answer["id"]), "distance": answer["distance"]}
            else:
                listing = _admin("GET", f"{stack.sim_url}/admin/athletes/{athlete}/activities")
                stored = _runs(conn, runner)
                candidates = [
                    str(a["id"])
                    for a in listing.json()["activities"]
                    if a["sport_type"] in RUNNING_SPORTS
                    and oldest < _moment(a["start_date"]) < newest
                    and str(a["id"]) in stored
                ]
                if not candidates:
                    continue
                activity = rng.choice(candidates)
                if kind == "edits":  # a distance correction: Strava sends no event for it
                    distance = round(stored[activity] * rng.uniform(0.85, 0.97), 1)
                    answer = _admin(
                        "PUT",
                        f"{stack.sim_url}/admin/activities/{activity}",
                        params={"notify": "false"},
                        json={"distance": distance},
                    ).json()
                    change = {"id": activity, "distance": answer["distance"]}
                else:
                    _admin(
                        "DELETE",
                        f"{stack.sim_url}/admin/activities/{activity}",
                        params={"notify": "false"},
                    )
                    change = {"id": activity}
            changes[kind].append({"athlete": athlete, "runner": runner, **change})
            wanted.pop(0)
    return {
        "share": share,
        "per_kind": per_kind,
        **{kind: len(items) for kind, items in changes.items()},
        "details": changes,
    }


def check_changes(
    stack: Stack, runners: dict[int, int], changes: dict[str, Any]
) -> tuple[dict[str, int], list[str]]:
    """How many of each change the dataservice holds right, and what is wrong: each late
    upload stored, each correction applied, each deletion gone, and every runner holding
    exactly its athlete's running activities on strava-sim now."""
    details = changes["details"]
    right = dict.fromkeys(KINDS, 0)
    problems: list[str] = []
    expected = running_activities(stack, list(runners))
    with psycopg.connect(libpq_url(stack.database_url), autocommit=True) as conn:
        for kind in KINDS:
            for change in details[kind]:
                runs = _runs(conn, change["runner"])
                where = f"runner {change['runner']}, activity {change['id']}"
                if kind == "deletions":
                    ok = change["id"] not in runs
                    wrong = "deleted on strava-sim but still stored"
                elif change["id"] not in runs:
                    ok, wrong = False, "missing"
                else:
                    ok = math.isclose(runs[change["id"]], change["distance"], abs_tol=0.05)
                    wrong = f"distance {runs[change['id']]}, strava-sim {change['distance']}"
                right[kind] += ok
                if not ok:
                    problems.append(f"{kind[:-1].replace('_', ' ')} ({where}): {wrong}")
        stored = _stored(conn, list(runners.values()))
    problems += count_problems(runners, stored, expected, "on strava-sim")
    return right, problems[:20]


def capacity(per_sync: float, extra: float, interval: int) -> dict[str, Any]:
    """Requests per runner per day at ``interval`` (every sync costing ``per_sync``, one a
    day a reconciliation costing ``extra`` more) and the runners one application serves
    at Strava's default limits: the daily one, and the 15-minute one with the syncs
    spread over the interval (beat's countdowns) and the reconciliations over the day."""
    syncs = DAY / interval
    per_day = syncs * per_sync + extra
    per_window = per_sync * WINDOW_SECONDS / max(interval, WINDOW_SECONDS)
    per_window += extra * WINDOW_SECONDS / DAY
    by_day = DAILY_LIMIT / per_day if per_day > 0 else math.inf
    by_window = WINDOW_LIMIT / per_window if per_window > 0 else math.inf
    return {
        "sync_interval": interval,
        "syncs_per_day": syncs,
        "requests_per_runner_day": per_day,
        "requests_per_runner_15min": per_window,
        "runners": math.floor(min(by_day, by_window)),
        "bound_by": "the daily limit" if by_day <= by_window else "the 15-minute limit",
    }


def cost(
    incremental: dict[str, Any], reconciliation: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """The figures of issue 15: each round's requests per runner, their ratio, the
    reconciliation's extra cost per runner per day (it replaces one incremental sync) and
    what the whole costs an application at Strava's default limits."""
    per_sync = incremental["per_runner"]
    per_reconciliation = reconciliation["per_runner"]
    extra = per_reconciliation - per_sync
    checks = changes["deletions"] / max(reconciliation["runners"], 1)
    return {
        "incremental_per_runner": per_sync,
        "reconciliation_per_runner": per_reconciliation,
        "ratio": per_reconciliation / per_sync if per_sync else math.inf,
        "extra_per_runner_day": extra,
        "deletions_checked_per_runner": checks,
        "allowed_extra": 1 + checks,
        "limits": {"daily": DAILY_LIMIT, "15min": WINDOW_LIMIT},
        "capacity": [capacity(per_sync, extra, interval) for interval in SYNC_INTERVALS],
    }
