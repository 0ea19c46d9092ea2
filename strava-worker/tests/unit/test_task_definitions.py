"""The worker's tasks are the ones :mod:`runnerly_common.tasks` defines, with exactly the
arguments it defines: what the web app, the admin CLI and beat send is what the worker takes."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from runnerly_common.tasks import WORKER_TASKS, TaskDef, runtime_types
from strava_worker.factory import TASK_ROUTES, WorkerApp, make_celery
from strava_worker.settings import WorkerSettings


@pytest.fixture(scope="module")
def app() -> Iterator[WorkerApp]:
    app = make_celery(WorkerSettings.load(environ={}, broker_url="memory://"))
    app.loader.import_default_modules()
    yield app
    app.close()


def _parameters(app: WorkerApp, task: TaskDef) -> list[inspect.Parameter]:
    function = app.tasks[task.name].run
    signature = inspect.signature(function, eval_str=True)
    return [p for p in signature.parameters.values() if p.name != "self"]


def test_no_task_is_registered_that_is_not_defined(app: WorkerApp) -> None:
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == {task.name for task in WORKER_TASKS}


@pytest.mark.parametrize("task", WORKER_TASKS, ids=lambda task: task.function)
def test_each_defined_task_takes_exactly_its_defined_arguments(
    app: WorkerApp, task: TaskDef
) -> None:
    parameters = _parameters(app, task)
    assert [p.name for p in parameters] == [arg.name for arg in task.args]
    for parameter, arg in zip(parameters, task.args, strict=True):
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        if arg.required:
            assert parameter.default is inspect.Parameter.empty, arg.name
        else:
            assert parameter.default == arg.default, arg.name
        assert runtime_types(parameter.annotation) == runtime_types(arg.type), arg.name


@pytest.mark.parametrize("task", WORKER_TASKS, ids=lambda task: task.function)
def test_each_task_keeps_its_function_s_name(app: WorkerApp, task: TaskDef) -> None:
    assert app.tasks[task.name].run.__name__ == task.function


def test_the_routes_are_the_definitions_queues() -> None:
    assert {task.name: {"queue": task.queue} for task in WORKER_TASKS} == TASK_ROUTES
