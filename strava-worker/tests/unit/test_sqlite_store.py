"""The one-machine store's transactions: whatever interrupts one, its own error is the one
that surfaces (a worker's pool child stopped by SIGTERM mid-COMMIT raised SystemExit there,
and ROLLBACK's "no transaction is active" replaced it: the task failed with a misleading
error and the child did not exit as told)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from strava_worker.budget import Windows
from strava_worker.sqlite_store import SqliteStore


class Interrupted(BaseException):
    """Like the SystemExit billiard raises in a pool child told to stop."""


def test_an_interruption_after_the_transaction_ended_surfaces_itself(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "budget.db"))

    def ends_then_interrupted(conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")  # where the signal came: the transaction is over
        raise Interrupted

    with pytest.raises(Interrupted):
        store._transaction(ends_then_interrupted)


def test_an_interruption_inside_the_transaction_rolls_it_back(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "budget.db"))
    windows = Windows(limit_short=10, limit_daily=100)

    def reserves_then_interrupted(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO counters VALUES ('short:0', 1, 9e99)")
        raise Interrupted

    with pytest.raises(Interrupted):
        store._transaction(reserves_then_interrupted)
    assert store.usage(windows, 0.0) == (0, 0)
