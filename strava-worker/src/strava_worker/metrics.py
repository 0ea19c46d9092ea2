"""The worker's Prometheus series: what its tasks did, and what the shared store says.

Tasks run in prefork pool children, so the series they count are kept by prometheus-client's
multiprocess mode: every process writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``
and a scrape of the main process adds them up.  The main process chooses that directory in
:func:`use_fresh_directory` before its pool forks; this module imports prometheus-client
only inside functions, so the value class it picks on import is decided there, not by
whoever imported this module first.

The other series are read at scrape time, in the main process, from the store every worker
shares (the Strava budget left, the sync lag) and from the broker (the queue's length).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strava_worker.budget import Store, Windows

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.metrics_core import Metric

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DIRECTORY_PREFIX = "strava-worker-metrics-"  # then the main process's pid
# From a handled event (tens of ms) to ten pages of a backfill (a minute or two).
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Strava's event_time to applied: seconds when all is well, hours when the worker was down.
EVENT_LAG_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)
_CELERY_OUTCOME = {"RETRY": "retry", "FAILURE": "failure", "REJECTED": "rejected"}


def use_fresh_directory() -> str:
    """Switch this process, and the pool children it forks later, to multiprocess mode in
    a new empty directory (the counts of an earlier run must not add to this one's).

    prometheus-client picks its value class when first imported; if something imported it
    before (a shared module), the choice is made again here.
    """
    remove_stale_directories()
    path = tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{os.getpid()}-")
    os.environ[MULTIPROC_ENV] = path
    from prometheus_client import values

    values.ValueClass = values.get_value_class()
    task_series()  # made now, before the fork, so every child writes to the same series
    return path


def remove_directory(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def remove_stale_directories(parent: str | None = None) -> None:
    """Remove the directories of workers that died without their shutdown (SIGKILL)."""
    for path in Path(parent or tempfile.gettempdir()).glob(f"{DIRECTORY_PREFIX}*"):
        pid = path.name.removeprefix(DIRECTORY_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            remove_directory(str(path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def mark_process_dead(pid: int) -> None:
    """A pool child exited: its counts stay in the sums, its live gauges go."""
    from prometheus_client import multiprocess

    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


@dataclass(frozen=True)
class TaskSeries:
    tasks: Counter
    duration: Histogram
    event_lag: Histogram


@cache
def task_series() -> TaskSeries:
    from prometheus_client import Counter, Histogram

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
    if name == "handle_event" and state == "SUCCESS" and result not in ("deferred", "error"):
        event = (kwargs.get("kwargs") or {}).get("event") or {}
        if isinstance(event.get("event_time"), int | float):
            series.event_lag.observe(max(time.time() - event["event_time"], 0.0))


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
        from prometheus_client.core import GaugeMetricFamily

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
    from prometheus_client import CollectorRegistry, multiprocess
    from prometheus_client.exposition import choose_encoder

    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:  # one process (tests, metrics off in a child): its own objects
        series = task_series()
        for own in (series.tasks, series.duration, series.event_lag):
            registry.register(own)
    registry.register(collector)
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
