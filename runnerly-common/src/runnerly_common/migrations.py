"""Alembic run from code, for a service's ``migrate`` command and its setup steps: no
``alembic.ini``, the migrations folder and the database URL given by the service.

Alembic is imported when used: the services that migrate depend on it, the toolkit does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(migrations: Path, database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations))
    # ConfigParser interpolation: a %-escaped password in the URL must stay as it is.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(migrations: Path, database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(migrations, database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None: never migrated."""
    from alembic.runtime.migration import MigrationContext

    from runnerly_common.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        engine.dispose()
