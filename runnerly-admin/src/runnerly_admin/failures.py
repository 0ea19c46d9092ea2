"""What goes wrong at an operator's prompt, said in one line instead of a traceback.

Commands raise what the services' admin facades raise; :func:`explain` turns the failures
an operator can cause or meet (an unknown runner, a bad file, a database or broker that is
down or not migrated) into a message for stderr.  Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)

from dataservice.admin import APIError
from tokendealer.admin import RegistryError

# SQLite's and PostgreSQL's words for a table that is not there yet.
_NOT_MIGRATED = ("no such table", "undefinedtable", "does not exist")


class Unavailable(Exception):
    """A database or broker the command needs cannot be used; the message says which."""


def safe_url(url: str) -> str:
    """The address without its password, fit for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.rpartition("@")[2]


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


@contextmanager
def database(what: str, url: str, migrate_with: str | None = None) -> Iterator[None]:
    """Turn a database failure inside the block into :class:`Unavailable` naming it."""
    try:
        yield
    except DBAPIError as exc:
        reason = first_line(exc.orig if exc.orig is not None else exc)
        where = f"{what} ({safe_url(url)})"
        if migrate_with and any(marker in reason.lower() for marker in _NOT_MIGRATED):
            raise Unavailable(f"{where} is not migrated ({reason}): run `{migrate_with}`") from None
        if isinstance(exc, OperationalError | InterfaceError):  # down, refused, locked
            raise Unavailable(f"{where} is unavailable: {reason}") from None
        raise Unavailable(f"{where} refused the change: {reason}") from None
    except (ArgumentError, NoSuchModuleError) as exc:
        raise Unavailable(f"{what}: bad database URL {safe_url(url)}: {first_line(exc)}") from None


@contextmanager
def broker(url: str) -> Iterator[None]:
    try:
        yield
    except (BrokerError, OSError) as exc:
        raise Unavailable(
            f"the broker ({safe_url(url)}) is unavailable: {first_line(exc)}"
        ) from None


def explain(error: Exception) -> click.ClickException | None:
    """The one-line message for ``error``, or None when it is not the operator's to fix."""
    if isinstance(error, Unavailable | RegistryError):
        return click.ClickException(str(error))
    if isinstance(error, APIError):
        return click.ClickException(problem_of(error))
    if isinstance(error, OSError) and error.filename:
        return click.ClickException(f"{error.filename}: {error.strerror or error}")
    return None


def problem_of(error: APIError) -> str:
    """A service-layer error in words: its message, or for a refused file (422) the
    file's problem without the HTTP field name."""
    details = error.extra.get("errors") or []
    if error.status == 422 and details:
        return str(details[0]["message"])
    return error.message
