"""Request ids and JSON logs across the broker.

A task message carries the id of the request (or task) that queued it, in a header, and the
task runs with that id bound: its log lines, its HTTP calls (``service_client`` sends the id
on) and the tasks it queues in turn all carry it.  So one click in the dashboard can be
followed from the gateway's log to the web app, the dataservice and the worker.  A task that
no request queued (beat's rounds) gets an id of its own, which the tasks it queues inherit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from celery import VERSION_BANNER, Task
from celery.apps import worker as worker_program
from celery.apps.beat import Beat
from celery.signals import (
    before_task_publish,
    celeryd_init,
    setup_logging,
    task_postrun,
    task_prerun,
    worker_shutting_down,
)
from celery.worker.request import Request

from runnerly_common.logs import configure_logging
from runnerly_common.requestid import (
    bind_request_id,
    current_request_id,
    is_well_formed,
    new_request_id,
    reset_request_id,
)

HEADER = "runnerly_request_id"
POOL_LOGGER = "multiprocessing"  # billiard's (Celery's process pool)
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


# The task the worker's main process has just received, and its request id: Celery logs
# "Task ... received" right after making the request, in the same thread.
_received: tuple[str, str] | None = None


class RequestIdRequest(Request):  # type: ignore[misc]  # Celery is Any (no stubs)
    """A task as the worker's main process receives it: a message without a well-formed
    request id gets one here, written into what the pool runs, so the "received" line and
    every line of the run carry the same id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        global _received
        super().__init__(*args, **kwargs)
        incoming = self._request_dict.get(HEADER)
        if not is_well_formed(incoming if isinstance(incoming, str) else None):
            self._request_dict[HEADER] = incoming = new_request_id()
        _received = (self.id, incoming)

    # The main process's own lines about the task (its pool process lost, a time limit, a
    # retry) are logged from these: with the task bound, they carry its request id and ids.
    def on_failure(self, *args: Any, **kwargs: Any) -> Any:
        with self._request_id():
            return super().on_failure(*args, **kwargs)

    def on_timeout(self, *args: Any, **kwargs: Any) -> Any:
        with self._request_id():
            return super().on_timeout(*args, **kwargs)

    def on_retry(self, *args: Any, **kwargs: Any) -> Any:
        with self._request_id():
            return super().on_retry(*args, **kwargs)

    @contextmanager
    def _request_id(self) -> Iterator[None]:
        token = bind_request_id(self._request_dict.get(HEADER))
        task_token = _task.set((self.name, self.id))
        try:
            yield
        finally:
            _task.reset(task_token)
            reset_request_id(token)


class RequestIdTask(Task):  # type: ignore[misc]
    """The worker app's task class (``Celery(task_cls=...)``): received as a
    :class:`RequestIdRequest`."""

    Request = f"{__name__}:RequestIdRequest"


class _TaskFilter(logging.Filter):
    """Adds ``task`` and ``task_id`` to lines logged while a task runs, and the request id
    to the main process's line about a task it received."""

    def filter(self, record: logging.LogRecord) -> bool:
        running = _task.get()
        if running is not None:
            record.task, record.task_id = running
        elif getattr(record, "request_id", None) is None and _received is not None:
            data = getattr(record, "data", None)
            if isinstance(data, dict) and data.get("id") == _received[0]:
                record.request_id = _received[1]
        return True


def json_worker_logs(service: str) -> None:
    """Let a worker or beat log JSON lines like the HTTP services, instead of Celery's own
    format: Celery leaves logging alone when ``setup_logging`` has a receiver."""

    def _configure(loglevel: int | str | None = None, **_: Any) -> None:
        level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
        configure_logging(service, level or "INFO")
        # billiard's logger (a pool process lost, say) does not propagate: without a handler
        # of its own, Python would print its lines to stderr as bare text.
        pool_log = logging.getLogger(POOL_LOGGER)
        for handler in list(pool_log.handlers):
            if getattr(handler, "_runnerly", False):
                pool_log.removeHandler(handler)
        for handler in logging.getLogger().handlers:
            if getattr(handler, "_runnerly", False):
                handler.addFilter(_TaskFilter())
                pool_log.addHandler(handler)
        logging.captureWarnings(True)  # warnings as JSON lines too, not Python's own format

    def _early(options: dict[str, Any] | None = None, **_: Any) -> None:
        # The worker warns (running as root, say) before it sets logging up: set it up first.
        _configure((options or {}).get("loglevel"))

    setup_logging.connect(_configure, weak=False, dispatch_uid="runnerly.json_worker_logs")
    celeryd_init.connect(_early, weak=False, dispatch_uid="runnerly.json_worker_logs.early")


class JsonWorker(worker_program.Worker):  # type: ignore[misc]
    """``celery worker`` that writes only log lines: Celery prints its banner and its
    shutdown notes straight to stdout, as text; here the banner's facts are one JSON line
    and the shutdown is logged."""

    def on_before_init(self, quiet: bool = False, **kwargs: Any) -> None:
        super().on_before_init(quiet=True, **kwargs)

    def on_start(self) -> None:
        super().on_start()
        app = self.app
        pool = self.pool_cls if isinstance(self.pool_cls, str) else self.pool_cls.__module__
        worker_program.logger.info(
            "worker: starting %s (celery %s)",
            self.hostname,
            VERSION_BANNER,
            extra={
                "hostname": self.hostname,
                "celery": VERSION_BANNER,
                "broker": app.connection().as_uri(),
                "pool": pool.rsplit(".", 1)[-1],
                "concurrency": self.concurrency,
                "queues": sorted(app.amqp.queues.consume_from or app.amqp.queues),
                "tasks": sorted(name for name in app.tasks if not name.startswith("celery.")),
            },
        )

    def install_platform_tweaks(self, worker: Any) -> None:
        super().install_platform_tweaks(worker)
        # The same handlers without their printed note; the shutdown is logged instead.
        worker_program.install_worker_term_handler(worker, verbose=False)
        worker_program.install_worker_term_hard_handler(worker, verbose=False)
        worker_shutting_down.connect(
            _log_shutdown, weak=False, dispatch_uid="runnerly.json_worker.shutdown"
        )


def _log_shutdown(sig: str = "", how: str = "", **_: Any) -> None:
    worker_program.logger.info("worker: %s shutdown (%s)", how, sig, extra={"signal": sig})


class JsonBeat(Beat):  # type: ignore[misc]
    """``celery beat`` without its printed banner: its facts are one JSON line."""

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, quiet=True, **kwargs)

    def setup_logging(self, colorize: bool | None = None) -> None:
        super().setup_logging(colorize)
        logging.getLogger("celery.beat").info(
            "beat: starting (celery %s)",
            VERSION_BANNER,
            extra={
                "celery": VERSION_BANNER,
                "broker": self.app.connection().as_uri(),
                "scheduler": str(self.scheduler_cls),
                "schedule": self.schedule,
            },
        )
