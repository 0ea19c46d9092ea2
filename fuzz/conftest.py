"""One running stack (stack.py) for the whole session, from the harness's fixtures: a
throw-away PostgreSQL database and the services on it. Without PostgreSQL the tests skip;
in CI (``CI=true``) they fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from stack import OPTIONS, PARTS, FuzzStack


@pytest.fixture(scope="session")
def stack(postgres_database: Callable[[str], str], live_stack: Callable[..., Any]) -> FuzzStack:
    database_url = postgres_database("runnerly_fuzz")
    return FuzzStack.over(live_stack(database_url=database_url, parts=PARTS, options=OPTIONS))


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
