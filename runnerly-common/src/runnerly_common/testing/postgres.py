"""Throw-away PostgreSQL databases (RUNNERLY_TEST_POSTGRES_URL, else the local server)."""

from __future__ import annotations

import graphlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, make_url, text

from runnerly_common.testing.ci import ServiceUnavailable

POSTGRES_URL = os.environ.get(
    "RUNNERLY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def temporary_postgres_database(
    prefix: str, base_url: str = POSTGRES_URL, *, keep: bool = False
) -> Iterator[str]:
    """Create a database named ``<prefix>_<random>``, yield its URL, drop it afterwards
    (``keep``: leave it, for a benchmark's figures to be looked at again)."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise ServiceUnavailable(f"PostgreSQL not reachable at {base_url}: {exc}") from exc
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# The tables ``TRUNCATE <table> CASCADE`` would empty: the table and every table whose foreign
# keys lead to it, however indirectly.
_TABLES_UNDER = """
WITH RECURSIVE refs(tbl) AS (
    SELECT CAST(:table AS regclass)
    UNION SELECT con.conrelid::regclass FROM pg_constraint con
    JOIN refs ON con.confrelid = refs.tbl WHERE con.contype = 'f'
) SELECT tbl::text FROM refs
"""
_FOREIGN_KEYS = "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
_FOREIGN_KEYS += "WHERE contype = 'f'"
_RESTART_SEQUENCES = """
SELECT setval(seq.seqrelid, seq.seqstart, false) FROM pg_sequence seq
JOIN pg_depend dep ON dep.objid = seq.seqrelid AND dep.deptype IN ('a', 'i')
WHERE dep.refobjid = ANY(CAST(:tables AS regclass[]))
"""


def empty_cascade(conn: Connection, table: str) -> None:
    """What ``TRUNCATE <table> RESTART IDENTITY CASCADE`` does, by DELETE, for a test's
    teardown: a TRUNCATE gives each table new files (0.1-0.5 s for twenty tables on a 2-core
    machine) where deleting the few rows a test wrote takes milliseconds. Referencing tables
    go first; their sequences start again, as with RESTART IDENTITY."""
    tables = set(conn.execute(text(_TABLES_UNDER), {"table": table}).scalars())
    order = graphlib.TopologicalSorter({name: set() for name in tables})
    for child, parent in conn.execute(text(_FOREIGN_KEYS)):
        if child in tables and parent in tables and child != parent:
            order.add(parent, child)  # the rows referring to ``parent`` are deleted first
    for name in order.static_order():
        conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - names from the catalog
    conn.execute(text(_RESTART_SEQUENCES), {"tables": sorted(tables)})
