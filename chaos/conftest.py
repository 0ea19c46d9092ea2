"""One running suite (the harness's stack, with chaos's options from options.py) for
test_chaos.py, started on first use and shared by its scenarios, one after another: each
scenario links athletes of its own, so what an earlier fault left behind never counts for a
later one -- but it is checked again.  It stops once that module is done: test_nodes.py's
deployment then runs without its twenty processes beside it (beat re-enqueues every linked
runner each 10 s): `make test` runs chaos beside other environments, the cores are shared
enough.  Without
PostgreSQL, redis-server or nginx with the Lua module the tests skip, and in CI
(``CI=true``) they fail (the harness's checks decide)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from options import stack_arguments
from runners import SyncedRunner
from traffic import Browser

from runnerly_common.testing.ci import ServiceUnavailable, skip_or_fail
from runnerly_common.testing.stack import Stack, start_stack


@pytest.fixture(scope="module")
def stack(
    nginx: str,
    postgres_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The suite, stopped at the end of the module (before its database is dropped, at the
    end of the session)."""
    arguments = stack_arguments(postgres_database("runnerly_chaos"))
    with contextlib.ExitStack() as running:
        try:
            started = running.enter_context(
                start_stack(tmp_path_factory.mktemp("stack"), **arguments)
            )
        except ServiceUnavailable as exc:
            skip_or_fail(str(exc))
        yield started


@pytest.fixture(scope="module")
def accounts(stack: Stack) -> list[str]:
    """Two runners with a web account (signed up through the gateway): the user traffic."""
    assert stack.gateway is not None
    return [Browser(stack.gateway.url).sign_up()[0] for _ in range(2)]


@pytest.fixture(scope="module")
def synced() -> list[SyncedRunner]:
    """Every runner the module's scenarios linked: each check covers all of them."""
    return []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What each scenario recorded (record_property), as a table in the run's output: the
    figures docs/performance.md quotes come from here (and from --junitxml)."""
    reports = [
        r
        for outcome in ("passed", "failed")
        for r in terminalreporter.stats.get(outcome, [])
        if r.when == "call" and r.user_properties
    ]
    if not reports:
        return
    terminalreporter.section("chaos: each scenario")
    for r in reports:
        figures = ", ".join(f"{name} {value}" for name, value in r.user_properties)
        terminalreporter.write_line(f"{r.outcome:6} {r.nodeid.split('::')[-1]}: {figures}")
