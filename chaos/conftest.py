"""One running suite (stack.py) per test process, started on first use and shared by the
scenarios that process runs, one after another: each scenario links athletes of its own,
so what an earlier fault left behind never counts for a later one -- but it is checked
again.  Without PostgreSQL, redis-server or nginx with the Lua module the tests skip, and
in CI (``CI=true``) they fail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from runners import SyncedRunner
from stack import Stack, start_stack
from traffic import Browser

from runnerly_common.testing import (
    ServiceUnavailable,
    skip_or_fail,
    temporary_postgres_database,
)
from runnerly_gateway.settings import GatewaySettings


def _redis_server() -> str:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        skip_or_fail("redis-server is not installed")
    return binary


def _require_nginx() -> None:
    if shutil.which("nginx") is None:
        skip_or_fail("nginx is not installed (apt-get install nginx libnginx-mod-http-lua)")
    modules = Path(GatewaySettings.load(environ={}).module_dir)
    if not (modules / "ngx_http_lua_module.so").is_file():
        skip_or_fail("libnginx-mod-http-lua is not installed")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_binary = _redis_server()
    _require_nginx()
    try:
        database = temporary_postgres_database("runnerly_chaos")
        database_url = database.__enter__()
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))
    try:
        with start_stack(tmp_path_factory.mktemp("stack"), database_url, redis_binary) as running:
            yield running
    finally:
        database.__exit__(None, None, None)


@pytest.fixture(scope="session")
def accounts(stack: Stack) -> list[str]:
    """Two runners with a web account (signed up through the gateway): the user traffic."""
    return [Browser(stack.gateway).sign_up()[0] for _ in range(2)]


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
