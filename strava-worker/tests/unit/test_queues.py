"""Which queue each task lands on: the activity streams alone on ``streams``, the rest where
the sync workers look (docs/decisions.md, 32).  The broker is kombu's in-memory one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kombu import Connection

from runnerly_common.tasks import FETCH_STREAMS, STREAMS_QUEUE, SYNC_QUEUE, WORKER_TASKS
from strava_worker.factory import WorkerApp, make_celery
from strava_worker.settings import WorkerSettings


@pytest.fixture
def app() -> Iterator[WorkerApp]:
    # A virtual host of the test's own: the memory broker is shared by the whole process.
    broker = f"memory://localhost/{uuid.uuid4().hex}"
    app = make_celery(WorkerSettings.load(environ={}, broker_url=broker))
    app.loader.import_default_modules()
    yield app
    app.close()


def _landed(app: WorkerApp, connection: Connection) -> dict[str, list[str]]:
    """The names of the tasks waiting in each queue."""
    landed: dict[str, list[str]] = {}
    for name, queue in app.amqp.queues.items():
        bound = queue.bind(connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            landed.setdefault(name, []).append(message.headers["task"])
    return landed


def test_the_streams_task_alone_goes_to_the_streams_queue(app: WorkerApp) -> None:
    ours = sorted(name for name in app.tasks if name.startswith("strava_worker."))
    assert FETCH_STREAMS.name in ours
    with app.connection_for_write() as connection:
        for queue in app.amqp.queues.values():
            queue.bind(connection.default_channel).declare()
        for name in ours:
            app.send_task(name, kwargs={}, connection=connection)
        landed = _landed(app, connection)
    assert landed == {
        STREAMS_QUEUE: [FETCH_STREAMS.name],
        SYNC_QUEUE: [name for name in ours if name != FETCH_STREAMS.name],
    }


def test_a_task_s_own_send_of_the_streams_task_follows_the_route(app: WorkerApp) -> None:
    # What a completed sync and each batch do: fetch_streams.apply_async(...).
    task = app.tasks[FETCH_STREAMS.name]
    with app.connection_for_write() as connection:
        for queue in app.amqp.queues.values():
            queue.bind(connection.default_channel).declare()
        task.apply_async(kwargs={"user_id": 1}, countdown=5, connection=connection)
        assert _landed(app, connection) == {STREAMS_QUEUE: [FETCH_STREAMS.name]}


@pytest.mark.parametrize("task", WORKER_TASKS, ids=lambda task: task.function)
def test_a_sender_s_own_app_puts_each_task_on_its_queue(task, app: WorkerApp) -> None:
    # runnerly-web and the admin CLI send from a Celery app with none of the worker's routes.
    from celery import Celery

    sender = Celery("strava_worker", broker=app.conf.broker_url, set_as_current=False)
    with app.connection_for_write() as connection:
        for queue in app.amqp.queues.values():
            queue.bind(connection.default_channel).declare()
        example = {int: 1, str: "x"}
        required = {arg.name: example.get(arg.type, {}) for arg in task.args if arg.required}
        task.send(sender, required, connection=connection)
        assert _landed(app, connection) == {task.queue: [task.name]}
    sender.close()
