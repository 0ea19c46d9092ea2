"""The dashboard's first screen: six dataservice answers gathered side by side.

The page used to ask runnerly-web six times when it opened, each request holding a worker
while runnerly-web waited on the dataservice. One request now asks the dataservice for the
six parts at once from a thread pool, so the answer takes about as long as the slowest part.

Each part runs in a copy of the request's context, so its call carries the request's id
(``ServiceSession`` reads it from the context variable) and its log lines too; the parts
get the ``DataService`` they use from the request thread, never Flask's globals. The
runner's token is fetched once before the parts start: a tokendealer that refuses the
runner is one call and one answer, not six.

When a part fails (decision 68): a 4xx of any part is the answer's error (the request or
the session is at fault, and the page must know it as it would from that part's own
operation); the dataservice's 503 is the answer's error for the summary, which the page
cannot draw without, and for any other part marks that part unavailable.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from runnerly_common.errors import APIError
from runnerly_web.dataservice_client import DataService

log = logging.getLogger(__name__)

RECENT_RUNS = 5  # the dashboard's latest runs (frontend lib/runSearch.ts RECENT_RUNS)
# Bounds what one process's dashboards ask of the dataservice at once. Threads start on
# first use, so a pool made before gunicorn forks holds none yet.
POOL_THREADS = 20
POOL = "runnerly_web.dashboard_pool"  # its key in app.extensions


def make_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="dashboard")


def dataservice_connections(request_threads: int) -> int:
    """The most calls one process can have in flight to the dataservice (or for its tokens)
    at once: one per request thread and one per dashboard worker.  The HTTP clients keep
    that many connections: with fewer, a burst opens connections beyond them and discards
    each afterwards (urllib3's "Connection pool is full" warning), a new TCP connection per
    call until the burst ends."""
    return request_threads + POOL_THREADS


@dataclass(frozen=True)
class Part:
    name: str
    path: str  # under /users/{runner}
    params: dict[str, Any] = field(default_factory=dict)
    required: bool = False  # its failure is the whole answer's


def parts(week_from: date | None) -> list[Part]:
    weekly = {"period": "week"} | ({"from": week_from.isoformat()} if week_from else {})
    return [
        Part("summary", "/stats/summary", required=True),
        Part("weekly_totals", "/stats/totals", weekly),
        Part("records", "/stats/records"),
        Part("recent_runs", "/runs", {"per_page": RECENT_RUNS}),
        Part("next_session", "/training/next"),
        Part("race_predictions", "/vo2max/predictions"),
    ]


def first_screen(
    dataservice: DataService, pool: Executor, runner: int, week_from: date | None
) -> dict[str, Any]:
    """The answer of ``GET /api/web/dashboard`` for ``runner`` (the session's, always)."""
    dataservice.authorize(runner)
    asked = parts(week_from)
    futures: list[Future[Any]] = [
        pool.submit(_in_copied_context(_fetch), dataservice, runner, part) for part in asked
    ]
    try:
        return _gathered(asked, futures)
    except BaseException:
        # The answer is an error now: parts still queued would only hold the shared pool
        # (and a slow dataservice's connections) for other runners' dashboards.
        for future in futures:
            future.cancel()
        raise


def _gathered(asked: list[Part], futures: list[Future[Any]]) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    unavailable: list[dict[str, str]] = []
    for part, future in zip(asked, futures, strict=True):
        try:
            answer[part.name] = future.result()
        except APIError as exc:
            if part.required or exc.status < 500:
                raise
            log.warning("dashboard part %s unavailable: %s %s", part.name, exc.status, exc.code)
            answer[part.name] = None
            unavailable.append({"part": part.name, "code": exc.code, "message": exc.message})
    answer["unavailable"] = unavailable
    return answer


def _fetch(dataservice: DataService, runner: int, part: Part) -> Any:
    return dataservice.json("GET", f"/users/{runner}{part.path}", runner=runner, params=part.params)


def _in_copied_context(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run in a copy of the caller's context (request id, log fields): a
    context can be entered by one thread at a time, hence one copy per part."""
    context = contextvars.copy_context()
    return lambda *args: context.run(function, *args)
