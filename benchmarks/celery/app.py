"""The Celery app that ``python -m benchmarks.celery`` runs in a prefork worker.

Three tasks that do nothing but end in the three ways a strava-worker task can: return,
``raise self.retry(countdown=600)``, or re-send itself in 600 s and return, through the real
:func:`strava_worker.tasks.send_later` (it needs nothing of the worker's settings or runtime,
only ``task.apply_async``, so the path measured is the one strava-worker runs).  The 600 s
countdown keeps every re-sent message waiting in the worker's main process for longer than a
run lasts: each task sent runs exactly once.

The configuration is the part of strava-worker's (``strava_worker.factory``) that shapes a
task's path through the worker: late acknowledgement, one prefetched task, no results, JSON.
Its broker is the benchmark's private Redis, from ``BENCH_CELERY_RETRY_BROKER``.
"""

from __future__ import annotations

import os

from celery import Celery, Task

from strava_worker.tasks import send_later

broker = os.environ.get("BENCH_CELERY_RETRY_BROKER")
if not broker:  # never fall back to a shared Redis: the retries would land in its queues
    raise RuntimeError("BENCH_CELERY_RETRY_BROKER is not set (python -m benchmarks.celery sets it)")

app = Celery("celery_retry_bench", broker=broker)
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
)
COUNTDOWN = 600


@app.task(bind=True, name="bench.returns")
def returns(self: Task) -> str:
    return "done"


@app.task(bind=True, name="bench.retry", max_retries=None)
def retry(self: Task) -> None:
    raise self.retry(countdown=COUNTDOWN)


@app.task(bind=True, name="bench.send_later")
def send_again(self: Task) -> str:
    send_later(self, {}, COUNTDOWN)
    return "waiting"
