"""The worker's task definitions: what a sender may send, and what reaches the broker."""

from __future__ import annotations

from typing import Any

import pytest

from runnerly_common.tasks import (
    FETCH_STREAMS,
    QUEUES,
    SEND_MONTHLY_REPORTS,
    STREAMS_QUEUE,
    SYNC_ALL,
    SYNC_QUEUE,
    SYNC_RUNNER,
    WORKER_TASKS,
    Arg,
    TaskArgumentError,
    TaskDef,
    task_routes,
)


class Recorder:
    """A Celery app's ``send_task`` that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send_task(self, name: str, **options: Any) -> str:
        self.sent.append((name, options))
        return "task-id"


@pytest.fixture
def app() -> Recorder:
    return Recorder()


class TestDefinitions:
    def test_the_names_stay_those_the_worker_has_always_registered(self) -> None:
        # Messages queued before an upgrade (beat's, a retry's countdown) carry the old name:
        # a renamed task would leave them with no one to run them.
        # New tasks join the list; a name once shipped never leaves it.
        names = [task.name for task in WORKER_TASKS]
        # A comparison, so test_task_senders reads these names as checked, not as sent.
        assert set(names) >= {
            "strava_worker.tasks.sync_runner",
            "strava_worker.tasks.fetch_streams",
            "strava_worker.tasks.handle_event",
            "strava_worker.tasks.drain_athlete",
            "strava_worker.tasks.sync_all",
            "strava_worker.tasks.subscribe_webhook",
            "strava_worker.report_tasks.send_monthly_reports",
            "strava_worker.report_tasks.send_report",
            "strava_worker.mail_tasks.deliver_mail",
            "strava_worker.archive_tasks.import_archive",
            "strava_worker.export_tasks.build_export",
            "strava_worker.export_tasks.expire_exports",
        }
        assert len(set(names)) == len(names)

    def test_the_streams_alone_have_a_queue_of_their_own(self) -> None:
        # docs/decisions.md, 32: a backlog of streams never holds a slot a sync needs.
        assert {task.name: task.queue for task in WORKER_TASKS if task.queue != SYNC_QUEUE} == {
            FETCH_STREAMS.name: STREAMS_QUEUE
        }
        assert task_routes()[FETCH_STREAMS.name] == {"queue": STREAMS_QUEUE}

    def test_every_task_takes_its_retry_count(self) -> None:
        for task in WORKER_TASKS:
            assert Arg("failures", int, 0) in task.args, task.name

    def test_an_argument_named_twice_or_an_unknown_queue_is_refused(self) -> None:
        with pytest.raises(ValueError, match="named twice"):
            TaskDef("x.y.z", SYNC_QUEUE, (Arg("a", int), Arg("a", str)))
        with pytest.raises(ValueError, match="no queue 'nowhere'"):
            TaskDef("x.y.z", "nowhere")
        assert set(QUEUES) == {SYNC_QUEUE, STREAMS_QUEUE}


class TestSend:
    def test_the_checked_arguments_go_on_the_tasks_queue_with_celerys_options(
        self, app: Recorder
    ) -> None:
        assert SYNC_RUNNER.send(app, {"user_id": 7}, retry=False) == "task-id"
        assert FETCH_STREAMS.send(app, {"user_id": 7}, countdown=5) == "task-id"
        assert app.sent == [
            (SYNC_RUNNER.name, {"kwargs": {"user_id": 7}, "queue": SYNC_QUEUE, "retry": False}),
            (
                FETCH_STREAMS.name,
                {"kwargs": {"user_id": 7}, "queue": STREAMS_QUEUE, "countdown": 5},
            ),
        ]

    def test_a_task_without_required_arguments_sends_an_empty_body(self, app: Recorder) -> None:
        SYNC_ALL.send(app)
        assert app.sent == [(SYNC_ALL.name, {"kwargs": {}, "queue": SYNC_QUEUE})]

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"user": 7}, "sync_runner takes no argument user"),
            ({}, "sync_runner needs user_id"),
            ({"user_id": "7"}, "user_id must be int, not str"),
            ({"user_id": True}, "user_id must be int, not bool"),
            ({"user_id": 7.0}, "user_id must be int, not float"),
            ({"user_id": 7, "resume": [1]}, "resume must be dict | None, not list"),
        ],
    )
    def test_wrong_arguments_are_refused_and_nothing_is_sent(
        self, app: Recorder, kwargs: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(TaskArgumentError, match=message.replace("|", r"\|")):
            SYNC_RUNNER.send(app, kwargs)
        assert app.sent == []

    @pytest.mark.parametrize(
        ("task", "kwargs"),
        [
            (SYNC_RUNNER, {"user_id": 7, "resume": None}),
            (SYNC_RUNNER, {"user_id": 7, "resume": {"page": 3}, "failures": 2}),
            (SYNC_ALL, {"interval": 900}),  # an int where a float is taken: JSON keeps 900
            (SYNC_ALL, {"interval": 900.5}),
            (SEND_MONTHLY_REPORTS, {"year": 2026, "month": 11}),
        ],
    )
    def test_values_of_the_declared_types_are_sent(
        self, app: Recorder, task: TaskDef, kwargs: dict[str, Any]
    ) -> None:
        task.send(app, kwargs)
        assert app.sent == [(task.name, {"kwargs": kwargs, "queue": task.queue})]


def test_a_beat_entry_names_the_task_its_checked_arguments_and_its_queue() -> None:
    assert SYNC_ALL.beat_entry(60.0, {"interval": 60}) == {
        "task": SYNC_ALL.name,
        "schedule": 60.0,
        "kwargs": {"interval": 60},
        "options": {"queue": SYNC_QUEUE},
    }
    with pytest.raises(TaskArgumentError, match="sync_all takes no argument every"):
        SYNC_ALL.beat_entry(60.0, {"every": 60})
