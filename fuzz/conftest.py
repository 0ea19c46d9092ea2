"""One running stack (stack.py) for the whole session. Without PostgreSQL the tests skip;
in CI (``CI=true``) they fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from stack import FuzzStack, start_stack

from runnerly_common.testing import (
    ServiceUnavailable,
    skip_or_fail,
    temporary_postgres_database,
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzStack]:
    with ExitStack() as resources:
        try:
            database_url = resources.enter_context(temporary_postgres_database("runnerly_fuzz"))
        except ServiceUnavailable as exc:
            skip_or_fail(str(exc))
        yield resources.enter_context(start_stack(tmp_path_factory.mktemp("fuzz"), database_url))


@pytest.fixture(autouse=True)
def no_error_logged(stack: FuzzStack) -> Iterator[None]:
    """A 4xx the client saw may still hide a failure on the server: none may be logged
    (an ERROR line or a traceback in any service's log) while a test runs."""
    before = {name: len(lines) for name, lines in stack.errors_in_logs().items()}
    yield
    new = {
        name: lines[before.get(name, 0) :]
        for name, lines in stack.errors_in_logs().items()
        if len(lines) > before.get(name, 0)
    }
    assert not new, "errors logged:\n" + "\n".join(
        f"{name}: {line[:3000]}" for name, lines in new.items() for line in lines
    )
