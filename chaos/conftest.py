"""One running suite per test process (the harness's stack, with chaos's options from
options.py), started on first use and shared by the scenarios that process runs, one after
another: each scenario links athletes of its own, so what an earlier fault left behind never
counts for a later one -- but it is checked again.  Without PostgreSQL, redis-server or nginx
with the Lua module the tests skip, and in CI (``CI=true``) they fail (the harness's
fixtures decide)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from options import stack_arguments
from runners import SyncedRunner
from traffic import Browser

from runnerly_common.testing.stack import Stack


@pytest.fixture(scope="session")
def stack(
    nginx: str,
    postgres_database: Callable[[str], str],
    live_stack: Callable[..., Stack],
) -> Stack:
    """The suite, stopped at the end of the session (before its database is dropped)."""
    running: Stack = live_stack(**stack_arguments(postgres_database("runnerly_chaos")))
    return running


@pytest.fixture(scope="session")
def accounts(stack: Stack) -> list[str]:
    """Two runners with a web account (signed up through the gateway): the user traffic."""
    assert stack.gateway is not None
    return [Browser(stack.gateway.url).sign_up()[0] for _ in range(2)]


@pytest.fixture(scope="session")
def synced() -> list[SyncedRunner]:
    """Every runner this process's scenarios linked: each check covers all of them."""
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
