"""The Strava worker (``strava_worker.celery_app``) with the sync benchmark's timers.

Run: python -m benchmarks.sync.worker worker [celery worker options] (settings from the
environment, as ``celery -A strava_worker.celery_app worker`` reads them).  With
``BENCH_SYNC_PROBE_DIR`` set, every task writes one line: the seconds spent in each phase of
the sync (HTTP to Strava, to the dataservice and the tokendealer, JSON decoding and
encoding, the mapping, the Redis rate budget and lock) and its whole duration.  With
``BENCH_SYNC_ROW_BY_ROW=1`` runs go to the dataservice one per request (the baseline): the
worker's own ``upsert_runs`` called once per run.  The worker's code is otherwise the same.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from typing import Any

import requests
from celery.signals import task_postrun, task_prerun

from benchmarks.sync.probe import ENV_DIR, Probe
from strava_worker import mapping
from strava_worker.budget import RateBudget
from strava_worker.celery_app import app
from strava_worker.dataservice import Dataservice
from strava_worker.redis_store import RedisStore
from strava_worker.strava import StravaClient

ROW_BY_ROW = os.environ.get("BENCH_SYNC_ROW_BY_ROW") == "1"


def _target(url: str) -> str:
    """Which service a URL is: the phases are named after it."""
    settings = app.runtime.settings
    if url.startswith(settings.strava_api_url):
        return "strava"
    if url.startswith(settings.strava_oauth_url):
        return "strava_oauth"
    if url.startswith(settings.token_url):
        return "tokendealer"
    return "ds_batch" if url.split("?")[0].endswith("/runs/batch") else "ds_other"


def install(probe: Probe) -> None:
    """Wrap the functions each phase runs in (classes and modules: inherited by the forks)."""
    send = requests.Session.send
    requests.Session.send = probe.timed(  # type: ignore[method-assign]
        lambda session, request, **_: f"http_{_target(request.url)}", send
    )
    requests.Response.json = probe.timed(  # type: ignore[method-assign]
        lambda response, **_: f"json_decode_{_target(response.url)}", requests.Response.json
    )
    prepare_body = requests.models.PreparedRequest.prepare_body
    requests.models.PreparedRequest.prepare_body = probe.timed(  # type: ignore[method-assign]
        lambda prepared, *args, **_: f"json_encode_{_target(prepared.url)}", prepare_body
    )
    # sort_page maps a whole page (each activity's to_run inside it): timed once, not twice.
    mapping.sort_page = probe.timed("mapping", mapping.sort_page)
    for name in ("reserve", "observe", "exhausted"):
        setattr(RateBudget, name, probe.timed("rate_budget", getattr(RateBudget, name)))
    for name in ("acquire", "release"):
        setattr(RedisStore, name, probe.timed("runner_lock", getattr(RedisStore, name)))
    upsert = Dataservice.upsert_runs

    def counted_upsert(  # type: ignore[no-untyped-def]
        self: Dataservice, user_id: int, runs: list[dict[str, Any]], *args: Any, **kwargs: Any
    ):
        probe.add("runs_sent", 0.0, len(runs))
        return upsert(self, user_id, runs, *args, **kwargs)

    Dataservice.upsert_runs = probe.timed("ds_upsert_call", counted_upsert)  # type: ignore[method-assign]
    list_activities = StravaClient.list_activities

    def counted_list(self: Any, token: str, **params: Any) -> list[dict[str, Any]]:
        activities = list_activities(self, token, **params)
        probe.add("activities_received", 0.0, len(activities))
        probe.add("pages_with_activities", 0.0, 1 if activities else 0)
        return activities

    StravaClient.list_activities = probe.timed("strava_page_call", counted_list)  # type: ignore[method-assign]

    @task_prerun.connect(weak=False)
    def _started(task_id: str, task: Any, **_: Any) -> None:
        probe.seconds.clear()
        probe.counts.clear()
        probe.task_started = time.perf_counter()  # type: ignore[attr-defined]

    @task_postrun.connect(weak=False)
    def _finished(task_id: str, task: Any, retval: Any = None, state: str = "", **_: Any) -> None:
        probe.add("task", time.perf_counter() - probe.task_started)  # type: ignore[attr-defined]
        result = retval if isinstance(retval, dict) else {"status": str(retval)}
        # A reconciliation says so in its result, with the runs it deleted.
        outcome = {k: result[k] for k in ("reconciled", "deleted") if k in result}
        probe.flush(task=task.name, state=state, status=result.get("status"), **outcome)


def one_run_per_request() -> None:
    """The baseline: the same ``upsert_runs``, one POST per run (counts summed)."""
    upsert = Dataservice.upsert_runs

    def row_by_row(  # type: ignore[no-untyped-def]
        self: Dataservice, user_id: int, runs: list[dict[str, Any]], deleted=(), set_aside=()
    ):
        total: Counter[str] = Counter({"created": 0, "updated": 0, "unchanged": 0, "deleted": 0})
        new_gear: list[dict[str, Any]] = []  # pairs made for new Strava gear ids: a list

        def add(answer: dict[str, Any]) -> None:
            new_gear.extend(answer.pop("new_gear", ()))
            total.update(answer)

        for run in runs:
            add(upsert(self, user_id, [run]))
        if deleted or set_aside:
            add(upsert(self, user_id, [], deleted, set_aside))
        return {**total, **({"new_gear": new_gear} if new_gear else {})}

    Dataservice.upsert_runs = row_by_row  # type: ignore[method-assign]


if ROW_BY_ROW:
    one_run_per_request()
if directory := os.environ.get(ENV_DIR):
    install(Probe(directory, "worker"))

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
