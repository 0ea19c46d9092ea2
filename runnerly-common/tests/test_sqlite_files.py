"""A SQLite file's write transaction: committed, rolled back, and whatever interrupted it
surfacing as itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runnerly_common.sqlite_files import immediate_transaction


class Interrupted(BaseException):
    """Like the SystemExit billiard raises in a Celery pool child told to stop."""


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    db.execute("CREATE TABLE counts (key TEXT PRIMARY KEY, n INTEGER)")
    return db


def rows(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return conn.execute("SELECT key, n FROM counts").fetchall()


def test_the_work_is_committed(conn: sqlite3.Connection) -> None:
    with immediate_transaction(conn):
        conn.execute("INSERT INTO counts VALUES ('a', 1)")
    assert rows(conn) == [("a", 1)]


def test_an_interruption_inside_rolls_the_work_back(conn: sqlite3.Connection) -> None:
    with pytest.raises(Interrupted), immediate_transaction(conn):
        conn.execute("INSERT INTO counts VALUES ('a', 1)")
        raise Interrupted
    assert rows(conn) == []
    assert not conn.in_transaction


def test_an_interruption_after_the_transaction_ended_surfaces_itself(
    conn: sqlite3.Connection,
) -> None:
    # Where a pool child's SIGTERM landed in the worker: COMMIT done, then SystemExit. The
    # rollback that followed failed ("no transaction is active") and hid it.
    with pytest.raises(Interrupted), immediate_transaction(conn):
        conn.execute("INSERT INTO counts VALUES ('a', 1)")
        conn.execute("COMMIT")
        raise Interrupted
    assert rows(conn) == [("a", 1)]


def test_a_file_locked_too_long_fails_as_locked(tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    holder.execute("CREATE TABLE counts (key TEXT PRIMARY KEY, n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(tmp_path / "state.db", isolation_level=None, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError, match="locked"), immediate_transaction(waiter):
        pass
    holder.execute("ROLLBACK")
