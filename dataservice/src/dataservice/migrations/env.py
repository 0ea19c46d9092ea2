"""Alembic's environment: the dataservice's metadata and engine settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dataservice.models import Base, import_all_models
from runnerly_common.db import make_engine

import_all_models()
config = context.config


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite rebuilds a table to change it (batch mode: copy, drop, rename), and dropping
    a table that others reference with ON DELETE CASCADE would delete their rows too (a
    rebuilt ``users`` would empty ``runs``).  SQLite's documented procedure turns foreign
    keys off meanwhile; the pragma is a no-op inside a transaction, so it goes straight to
    the driver's connection, outside SQLAlchemy's (which would begin one first)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    """With the checks off, nothing stopped a migration from leaving a dangling reference:
    refuse to commit one."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # migrate.py always sets it
        raise RuntimeError("alembic: no sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                _foreign_keys(connection, on=False)
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
            if sqlite:
                _foreign_keys(connection, on=True)
    finally:
        engine.dispose()


run()
