"""A retry the broker cannot take puts the running message back instead of dropping it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import Celery, Task
from celery.exceptions import Reject, Retry

from runnerly_common.testing import IN_CI, free_port
from strava_worker.tasks import retry
from tests.unit.conftest import REDIS_URL


def _task(broker: str) -> Task:
    app = Celery("retry-test", broker=broker, set_as_current=False)
    # One try to publish: the test is about a broker that is gone, not a slow one.
    app.conf.update(task_publish_retry=False, broker_connection_timeout=1)

    # Not shared: Celery would add a shared task to every app made after this one (the
    # worker's in the other tests), and two of the same name to the same app is an error.
    @app.task(bind=True, name="retry_test.event", shared=False)
    def event(self: Task) -> None:  # pragma: no cover - only its retry is exercised
        pass

    return event


@pytest.fixture
def running() -> Iterator[list[Task]]:
    """Tasks made to look as if a worker is running them (a retry needs the request)."""
    tasks: list[Task] = []
    yield tasks
    for task in tasks:
        task.pop_request()


def _run(task: Task, running: list[Task]) -> Task:
    task.push_request(id="a-task-id", called_directly=False, retries=0, delivery_info={})
    running.append(task)
    return task


def test_a_retry_the_broker_cannot_take_requeues_the_message(running: list[Task]) -> None:
    task = _run(_task(f"redis://127.0.0.1:{free_port()}/0"), running)

    with pytest.raises(Reject) as caught:
        retry(task, countdown=5)

    # Celery's own retry would reject with requeue=False here: the event would be gone.
    assert caught.value.requeue is True


def test_a_retry_the_broker_takes_is_a_plain_retry(running: list[Task]) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    task = _run(_task(REDIS_URL), running)

    with pytest.raises(Retry) as caught:
        retry(task, countdown=5)

    assert caught.value.when == 5
    task.app.connection_for_write().default_channel.client.delete("celery")
