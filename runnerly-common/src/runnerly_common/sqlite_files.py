"""Small state kept in a SQLite file on one machine (the worker's rate budget and locks, the
web app's login counters): the standard library's sqlite3, no ORM.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (the write lock taken at once, so two processes' read-then-write
    cannot interleave) ... ``COMMIT``; rolled back on any exception, SystemExit included.

    ``conn`` must be in autocommit mode (``isolation_level=None``).  The rollback happens only
    while a transaction is open: a failed BEGIN (the file locked too long), or a pool child's
    SystemExit arriving after COMMIT, surfaces as itself rather than as ROLLBACK's "no
    transaction is active".
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
