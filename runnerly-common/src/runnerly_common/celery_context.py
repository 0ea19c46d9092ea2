"""Request ids and JSON logs across the broker.

A task message carries the id of the request (or task) that queued it, in a header, and the
task runs with that id bound: its log lines, its HTTP calls (``service_client`` sends the id
on) and the tasks it queues in turn all carry it.  So one click in the dashboard can be
followed from the gateway's log to the web app, the dataservice and the worker.  A task that
no request queued (beat's rounds) gets an id of its own, which the tasks it queues inherit.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
from typing import Any

from celery import Task
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from runnerly_common.logs import configure_logging
from runnerly_common.requestid import bind_request_id, current_request_id, reset_request_id

HEADER = "runnerly_request_id"
_task: ContextVar[tuple[str, str] | None] = ContextVar("runnerly_task", default=None)
# Per running task: the context tokens to reset afterwards (a thread pool runs several).
_bound: dict[str, tuple[Token[str | None], Token[tuple[str, str] | None]]] = {}


def _stamp(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = current_request_id()
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _bind(task_id: str, task: Task, **_: Any) -> None:
    incoming = getattr(task.request, HEADER, None)
    _bound[task_id] = (
        bind_request_id(incoming if isinstance(incoming, str) else None),
        _task.set((task.name, task_id)),
    )


def _unbind(task_id: str, **_: Any) -> None:
    tokens = _bound.pop(task_id, None)
    if tokens is not None:
        request_token, task_token = tokens
        _task.reset(task_token)
        reset_request_id(request_token)


def propagate_request_ids() -> None:
    """Carry request ids through every Celery message this process sends or runs
    (idempotent: the receivers are registered once, by uid)."""
    before_task_publish.connect(_stamp, weak=False, dispatch_uid="runnerly.request_id.stamp")
    task_prerun.connect(_bind, weak=False, dispatch_uid="runnerly.request_id.bind")
    task_postrun.connect(_unbind, weak=False, dispatch_uid="runnerly.request_id.unbind")


class _TaskFilter(logging.Filter):
    """Adds ``task`` and ``task_id`` to lines logged while a task runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        running = _task.get()
        if running is not None:
            record.task, record.task_id = running
        return True


def json_worker_logs(service: str) -> None:
    """Let a worker or beat log JSON lines like the HTTP services, instead of Celery's own
    format: Celery leaves logging alone when ``setup_logging`` has a receiver."""

    def _configure(loglevel: int | str | None = None, **_: Any) -> None:
        level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
        configure_logging(service, level or "INFO")
        for handler in logging.getLogger().handlers:
            if getattr(handler, "_runnerly", False):
                handler.addFilter(_TaskFilter())

    setup_logging.connect(_configure, weak=False, dispatch_uid="runnerly.json_worker_logs")
