"""What the `make run` stack's log counts as an error (e2e fails on any after start-up)."""

from __future__ import annotations

from pathlib import Path

from runnerly_common.testing.procfile import ProcfileStack

STARTING = '10:00:00 dataservice.1 | {"level": "ERROR", "message": "racing the tokendealer"}\n'
POOL_LOST = (
    '10:00:{s} strava-worker.1 | {{"level": "ERROR", "logger": "multiprocessing", "message": '
    "\"Process 'ForkPoolWorker-1' pid:42 exited with 'signal 15 (SIGTERM)'\", "
    '"service": "strava-worker"}}\n'
)
TRACEBACK = "10:00:{s} web.1 | Traceback (most recent call last):\n"
TASK_LOST = (
    '10:00:{s} strava-streams.1 | {{"level": "ERROR", "logger": "celery.worker.request", '
    '"message": "Task handler raised error: WorkerLostError(\'Worker exited prematurely: '
    "exitcode 15 Job: 3.')\"}}\n"
)


def stack_with(tmp_path: Path, starting: str, running: str, stopping: str) -> ProcfileStack:
    log = tmp_path / "stack.log"
    log.write_text(starting + running + stopping, encoding="utf-8")
    stack = ProcfileStack(log)
    stack.ready_offset = len(starting.encode())
    stack.stop_offset = len((starting + running).encode())
    return stack


def test_a_pool_child_lost_while_the_stack_runs_is_an_error(tmp_path: Path) -> None:
    stack = stack_with(tmp_path, STARTING, POOL_LOST.format(s="10") + TASK_LOST.format(s="10"), "")
    assert len(stack.error_lines()) == 2
    assert stack.error_lines(startup=True) == [STARTING.rstrip("\n")]


def test_pool_children_signalled_by_the_launchers_stop_are_not(tmp_path: Path) -> None:
    stopping = POOL_LOST.format(s="20") + TASK_LOST.format(s="20") + TRACEBACK.format(s="21")
    errors = stack_with(tmp_path, STARTING, "", stopping).error_lines()
    # The traceback while stopping still counts: only honcho's signal to the pool is expected.
    assert errors == [TRACEBACK.format(s="21").rstrip("\n")]
