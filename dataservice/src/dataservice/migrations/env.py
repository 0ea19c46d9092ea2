"""Alembic's environment: the dataservice's metadata and engine settings."""

from __future__ import annotations

from alembic import context

from dataservice.models import Base, import_all_models
from runnerly_common.db import make_engine

import_all_models()
config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
