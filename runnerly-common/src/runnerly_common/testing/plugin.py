"""The harness as a pytest plugin (entry point ``pytest11``: loaded wherever runnerly-common is
installed): fixtures for the services a test needs, each a skip on a laptop without it and a
failure in CI (``CI=true``).

- ``postgres_database``: ``make(prefix)`` a throw-away PostgreSQL database, dropped at the end
  of the session; its URL.
- ``redis_server``: a private ``redis-server`` for the session; ``private_redis`` one for a
  single test (faults that would disturb the session's); ``shared_redis``: ``url(db)`` of the
  machine's Redis (RUNNERLY_TEST_REDIS_URL).
- ``nginx``: nginx with the Lua module, or skip/fail.
- ``live_stack``: ``start(**start_stack_arguments)`` services started for the session (see
  :func:`runnerly_common.testing.stack.start_stack`), stopped at its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from runnerly_common.testing.ci import ServiceUnavailable, skip_or_fail


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    from runnerly_common.testing.postgres import temporary_postgres_database

    with ExitStack() as databases:

        def make(prefix: str) -> str:
            try:
                return databases.enter_context(temporary_postgres_database(prefix))
            except ServiceUnavailable as exc:
                skip_or_fail(str(exc))

        yield make


def _redis(work: Path) -> Any:
    from runnerly_common.testing.redis import RedisServer

    try:
        server = RedisServer(work)
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = _redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Any]:
    server = _redis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def shared_redis() -> Callable[[int], str]:
    from runnerly_common.testing.redis import shared_redis as url_of

    def url(db: int) -> str:
        try:
            return url_of(db)
        except ServiceUnavailable as exc:
            skip_or_fail(str(exc))

    return url


@pytest.fixture(scope="session")
def nginx() -> str:
    from runnerly_common.testing.nginx import require_nginx

    try:
        return require_nginx()
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    from runnerly_common.testing.stack import start_stack

    with ExitStack() as stacks:

        def start(**arguments: Any) -> Any:
            try:
                return stacks.enter_context(
                    start_stack(tmp_path_factory.mktemp("stack"), **arguments)
                )
            except ServiceUnavailable as exc:
                skip_or_fail(str(exc))

        yield start
