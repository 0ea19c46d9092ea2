"""Schema migrations with Alembic, run programmatically (``dataservice migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from runnerly_common import migrations

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    return migrations.alembic_config(MIGRATIONS, database_url)


def upgrade(database_url: str, revision: str = "head") -> None:
    migrations.upgrade(MIGRATIONS, database_url, revision)


def current(database_url: str) -> str | None:
    return migrations.current_revision(database_url)
