"""The worker's Prometheus series: what its tasks did, and what the shared store says.

Tasks run in prefork pool children, so the series they count are kept by prometheus-client's
multiprocess mode: the main process prepares the directory (the toolkit's
``prepare_multiprocess_dir``) and makes :func:`task_series` before its pool forks, every
process writes its values to files there, and a scrape of the main process adds them up.

The other series are read at scrape time, in the main process, from the store every worker
shares (the Strava budget left, the sync lag) and from the broker (the queue's length).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric

from runnerly_common.metrics import multiprocess_dir
from strava_worker.budget import Store, Windows

log = logging.getLogger(__name__)
# From a handled event (tens of ms) to ten pages of a backfill (a minute or two).
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Strava's event_time to applied: seconds when all is well, hours when the worker was down.
EVENT_LAG_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)
_CELERY_OUTCOME = {"RETRY": "retry", "FAILURE": "failure", "REJECTED": "rejected"}


@dataclass(frozen=True)
class TaskSeries:
    tasks: Counter
    duration: Histogram
    event_lag: Histogram


@cache
def task_series() -> TaskSeries:
    return TaskSeries(
        Counter(
            "strava_worker_tasks",
            "Task executions by outcome: the result's status, retry, or failure.",
            ["task", "outcome"],
        ),
        Histogram(
            "strava_worker_task_duration_seconds",
            "Time one task execution took (a retry ends an execution).",
            ["task"],
            buckets=TASK_BUCKETS,
        ),
        Histogram(
            "strava_worker_event_lag_seconds",
            "From a webhook event's event_time at Strava to the event applied in Runnerly.",
            buckets=EVENT_LAG_BUCKETS,
        ),
    )


def outcome(state: str, retval: Any) -> str:
    """A short label value: a successful task's ``status``, else Celery's state."""
    if state != "SUCCESS":
        return _CELERY_OUTCOME.get(state, state.lower())
    status = retval.get("status") if isinstance(retval, dict) else None
    # Statuses are a few fixed words; "unknown athlete" becomes unknown_athlete.
    return re.sub(r"\W+", "_", str(status)).strip("_")[:40] if status else "ok"


_started: dict[str, float] = {}


def task_started(task_id: str, **_: Any) -> None:
    _started[task_id] = time.perf_counter()


def task_finished(
    task_id: str, task: Any, state: str | None = None, retval: Any = None, **kwargs: Any
) -> None:
    """Count one execution of ``task`` (task_postrun: once per run, retries included)."""
    started = _started.pop(task_id, None)
    name = task.name.rsplit(".", 1)[-1]
    series = task_series()
    result = outcome(state or "SUCCESS", retval)
    series.tasks.labels(name, result).inc()
    if started is not None:
        series.duration.labels(name).observe(time.perf_counter() - started)
    # Events are applied by their athlete's drain, which reports the oldest event_time of
    # the hints it settled (handle_event only notes them).
    if name == "drain_athlete" and state == "SUCCESS" and isinstance(retval, dict):
        event_time = retval.get("event_time")
        if isinstance(event_time, int | float) and not isinstance(event_time, bool):
            series.event_lag.observe(max(time.time() - event_time, 0.0))


class StoreCollector:
    """Read at scrape time, by the main process, from the store all workers share.

    ``strava_worker_sync_lag_seconds`` is the age of the least recent last successful sync
    among the runners being synced: an operator alerts on it above a few sync intervals.
    The oldest (not an average) because one runner left behind is what a user notices and
    an average of thousands hides; age since a *completed* sync (not since a task ran)
    because a sync that fails, waits for the budget or is stuck keeps growing it.  The
    store holds each runner's time: a finished sync records it, an unlinked runner is
    dropped, and each of beat's rounds sets the list to the linked runners with the
    dataservice's ``last_sync_at`` (so a Redis restart or a link removed by the web app
    is corrected within one round).  Runners whose first backfill has not finished yet
    are not counted.
    """

    def __init__(
        self,
        store: Callable[[], Store],
        windows: Windows,
        queue_length: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.windows = windows
        self.queue_length = queue_length
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        try:
            store = self.store()
            short, daily = store.usage(self.windows, now)
            oldest = store.oldest_sync()
        except Exception as exc:  # noqa: BLE001 - a scrape shows what it can; /readyz tells why
            log.warning("metrics: the store did not answer: %s", type(exc).__name__)
        else:
            budget = GaugeMetricFamily(
                "strava_worker_strava_budget_remaining",
                "Strava requests left in the current window (shared by every worker).",
                labels=["window"],
            )
            budget.add_metric(["15min"], max(self.windows.limit_short - short, 0))
            budget.add_metric(["day"], max(self.windows.limit_daily - daily, 0))
            yield budget
            yield GaugeMetricFamily(
                "strava_worker_sync_lag_seconds",
                "Seconds since the least recent last successful sync of a linked runner.",
                value=max(now - oldest, 0.0) if oldest is not None else 0.0,
            )
        if self.queue_length is not None:
            try:
                waiting = self.queue_length()
            except Exception as exc:  # noqa: BLE001 - as above
                log.warning("metrics: the broker did not answer: %s", type(exc).__name__)
            else:
                yield GaugeMetricFamily(
                    "strava_worker_queue_length",
                    "Tasks waiting on the broker (not counting countdowns workers hold).",
                    value=waiting,
                )


def render(collector: StoreCollector, accept: str = "") -> tuple[bytes, str]:
    """The body and content type of ``GET /metrics``: every process's task series summed,
    plus the store's and broker's figures read now."""
    registry = CollectorRegistry()
    path = multiprocess_dir()
    if path:
        multiprocess.MultiProcessCollector(registry, path=path)
    else:  # one process (tests, metrics off in a child): its own objects
        series = task_series()
        for own in (series.tasks, series.duration, series.event_lag):
            registry.register(own)
    registry.register(collector)
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
