"""Naming a runner on the command line: ``--user ID`` or ``--email E``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.orm import Session

from dataservice import admin as dataservice

F = TypeVar("F", bound=Callable[..., Any])


def runner_options(command: F) -> F:
    """``--user`` and ``--email``; the command checks with :func:`chosen` that exactly one
    was given (click has no mutually exclusive options)."""
    command = click.option("--email", help="The runner's email address.")(command)
    return click.option("--user", "user_id", type=click.IntRange(min=1), help="The runner's id.")(
        command
    )


def chosen(user_id: int | None, email: str | None) -> None:
    if (user_id is None) == (email is None):
        raise click.UsageError("name the runner with --user ID or --email ADDRESS (one of them)")


def find_runner(session: Session, user_id: int | None, email: str | None) -> dataservice.Runner:
    """The runner, or the dataservice's not-found error naming what was asked for."""
    return dataservice.find_runner(session, runner_id=user_id, email=email)
