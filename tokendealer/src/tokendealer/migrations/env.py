"""Alembic's environment: the tokendealer's metadata, one transaction, one migrator."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from runnerly_common.db import WRITE_OPTION, make_engine
from tokendealer.migrate import BASELINE, check_adoptable, needs_adoption
from tokendealer.models import import_all_models

config = context.config
# Every tokendealer process migrates at start (serve, setup, the admin CLI): two starting
# at once must not both create the tables.  PostgreSQL: this advisory lock, held until the
# transaction ends; SQLite: the write lock, taken at BEGIN (WRITE_OPTION).
_LOCK_KEY = 0x52_54_44_4D  # "RTDM": Runnerly tokendealer migrations


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # migrate.py always sets it
        raise RuntimeError("alembic: no sqlalchemy.url")
    metadata = import_all_models()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            # One transaction around it all (Alembic joins one it finds begun): the
            # adoption's check and stamp and every migration commit together or not at all.
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                    )
                context.configure(
                    connection=connection,
                    target_metadata=metadata,
                    render_as_batch=connection.dialect.name == "sqlite",
                    compare_type=True,
                )
                if needs_adoption(connection):
                    check_adoptable(connection)
                    context.get_context().stamp(context.script, BASELINE)
                context.run_migrations()
    finally:
        engine.dispose()


run()
