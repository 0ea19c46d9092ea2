"""Throw-away PostgreSQL databases (RUNNERLY_TEST_POSTGRES_URL, else the local server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

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
