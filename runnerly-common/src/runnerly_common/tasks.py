"""The worker's Celery tasks as the other services see them: name, queue, arguments.

A task crosses services by name only (a service never imports another), so its name and
arguments were once copied into each sender as strings and dicts: a renamed task or
argument failed in the worker, at run time, as a message nobody could consume.  Here each
task is defined once; the worker registers and routes its tasks from these definitions
(its tests check every signature against them), and every sender (runnerly-web, the admin
CLI, the webhook intake, beat, chaos, the benchmarks) sends through :meth:`TaskDef.send`,
which refuses an unknown, missing or mistyped argument before anything reaches the broker.

No Celery import here: a sender passes its own Celery app, anything with ``send_task``.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, Union, get_args, get_origin

# Celery's default queue keeps its name: messages queued before the streams queue existed
# stay where the sync workers look (docs/decisions.md, 32).
SYNC_QUEUE, STREAMS_QUEUE = "celery", "streams"
QUEUES = (SYNC_QUEUE, STREAMS_QUEUE)


class Sender(Protocol):
    """What :meth:`TaskDef.send` needs of a Celery app."""

    def send_task(self, name: str, *args: Any, **kwargs: Any) -> Any: ...


class TaskArgumentError(TypeError):
    """Arguments the task's definition does not accept: nothing was sent."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def runtime_types(hint: Any) -> frozenset[type]:
    """The classes a value of ``hint`` may be, as JSON decodes it: ``dict[str, Any] | None``
    gives ``{dict, NoneType}``."""
    if hint is None:
        return frozenset({type(None)})
    if get_origin(hint) in (Union, types.UnionType):
        return frozenset().union(*(runtime_types(arg) for arg in get_args(hint)))
    return frozenset({get_origin(hint) or hint})


def _accepts(allowed: frozenset[type], value: Any) -> bool:
    if isinstance(value, bool):  # a bool is an int to isinstance, never to a task
        return bool in allowed
    if isinstance(value, int) and float in allowed:  # JSON writes 5.0 as 5
        return True
    return isinstance(value, tuple(allowed))


@dataclass(frozen=True)
class Arg:
    """A task's keyword argument: its name, its type (``int``, ``float | None``, ...) and its
    default (:data:`REQUIRED` when a sender must give it)."""

    name: str
    type: Any
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class TaskDef:
    """One task: the name it is registered and sent under, its queue, its arguments."""

    name: str
    queue: str
    args: tuple[Arg, ...] = ()

    def __post_init__(self) -> None:
        names = [arg.name for arg in self.args]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: an argument named twice in {names}")
        if self.queue not in QUEUES:
            raise ValueError(f"{self.name}: no queue {self.queue!r} (the queues: {QUEUES})")

    @property
    def function(self) -> str:
        """The worker's function name: the last part of the name."""
        return self.name.rpartition(".")[2]

    def check(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``kwargs`` as a message body, or :class:`TaskArgumentError` naming what is wrong."""
        known = {arg.name: arg for arg in self.args}
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            raise TaskArgumentError(f"{self.function} takes no argument {', '.join(unknown)}")
        missing = [arg.name for arg in self.args if arg.required and arg.name not in kwargs]
        if missing:
            raise TaskArgumentError(f"{self.function} needs {', '.join(missing)}")
        for name, value in kwargs.items():
            if not _accepts(runtime_types(known[name].type), value):
                hint = known[name].type
                raise TaskArgumentError(
                    f"{self.function}: {name} must be {getattr(hint, '__name__', hint)}, "
                    f"not {type(value).__name__} ({value!r})"
                )
        return dict(kwargs)

    def send(self, app: Sender, kwargs: Mapping[str, Any] | None = None, /, **options: Any) -> Any:
        """``app.send_task`` with the checked ``kwargs`` on the task's queue; ``options``
        are Celery's (``countdown``, ``retry``, ``connection``...).  The queue is named here,
        not left to the sender's routes: a sender's app knows none of the worker's."""
        body = self.check(kwargs or {})
        return app.send_task(self.name, kwargs=body, **{"queue": self.queue, **options})

    def beat_entry(self, schedule: Any, kwargs: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """An entry of Celery's ``beat_schedule`` sending this task."""
        return {
            "task": self.name,
            "schedule": schedule,
            "kwargs": self.check(kwargs or {}),
            "options": {"queue": self.queue},
        }


# Each task's retry count: the worker's own, when it sends the task again.
_FAILURES = Arg("failures", int, 0)

SYNC_RUNNER = TaskDef(
    "strava_worker.tasks.sync_runner",
    SYNC_QUEUE,
    (Arg("user_id", int), _FAILURES, Arg("resume", dict | None, None)),
)
FETCH_STREAMS = TaskDef(
    "strava_worker.tasks.fetch_streams", STREAMS_QUEUE, (Arg("user_id", int), _FAILURES)
)
HANDLE_EVENT = TaskDef(
    "strava_worker.tasks.handle_event", SYNC_QUEUE, (Arg("event", dict), _FAILURES)
)
DRAIN_ATHLETE = TaskDef(
    "strava_worker.tasks.drain_athlete", SYNC_QUEUE, (Arg("athlete_id", int), _FAILURES)
)
SYNC_ALL = TaskDef(
    "strava_worker.tasks.sync_all", SYNC_QUEUE, (Arg("interval", float | None, None), _FAILURES)
)
SUBSCRIBE_WEBHOOK = TaskDef("strava_worker.tasks.subscribe_webhook", SYNC_QUEUE, (_FAILURES,))
SEND_MONTHLY_REPORTS = TaskDef(
    "strava_worker.report_tasks.send_monthly_reports",
    SYNC_QUEUE,
    (Arg("year", int | None, None), Arg("month", int | None, None), _FAILURES),
)
SEND_REPORT = TaskDef(
    "strava_worker.report_tasks.send_report",
    SYNC_QUEUE,
    (Arg("runner_id", int), Arg("year", int), Arg("month", int), _FAILURES),
)
# One email, built by the sender (runnerly_common.mail), delivered by the worker, which
# holds the SMTP settings and retries (docs/decisions.md, 52).
DELIVER_MAIL = TaskDef(
    "strava_worker.mail_tasks.deliver_mail",
    SYNC_QUEUE,
    (
        Arg("to", str),
        Arg("subject", str),
        Arg("text", str),
        Arg("html", str | None, None),
        Arg("headers", dict | None, None),
        # The runner the mail goes to: their one-click unsubscribe is added (decision 56).
        Arg("runner_id", int | None, None),
        _FAILURES,
    ),
)

# A Strava bulk export staged by runnerly-web (runnerly_common.archive_imports).
IMPORT_ARCHIVE = TaskDef(
    "strava_worker.archive_tasks.import_archive",
    SYNC_QUEUE,
    (Arg("user_id", int), Arg("job_id", str), _FAILURES),
)

# A runner's data export: built by the worker into the dataservice, then announced by mail
# with a link to ``profile_url``; beat deletes expired ones (docs/decisions.md, 55).
BUILD_EXPORT = TaskDef(
    "strava_worker.export_tasks.build_export",
    SYNC_QUEUE,
    (Arg("user_id", int), Arg("export_id", int), Arg("profile_url", str), _FAILURES),
)
EXPIRE_EXPORTS = TaskDef("strava_worker.export_tasks.expire_exports", SYNC_QUEUE, (_FAILURES,))

WORKER_TASKS = (
    SYNC_RUNNER,
    FETCH_STREAMS,
    HANDLE_EVENT,
    DRAIN_ATHLETE,
    SYNC_ALL,
    SUBSCRIBE_WEBHOOK,
    SEND_MONTHLY_REPORTS,
    SEND_REPORT,
    BUILD_EXPORT,
    EXPIRE_EXPORTS,
    IMPORT_ARCHIVE,
    DELIVER_MAIL,
)


def task_routes() -> dict[str, dict[str, str]]:
    """Celery's ``task_routes`` for the worker's app: each task to its queue."""
    return {task.name: {"queue": task.queue} for task in WORKER_TASKS}
