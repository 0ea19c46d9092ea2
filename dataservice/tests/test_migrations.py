"""The migrations build exactly the schema the models describe, and step back down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dataservice.migrate import alembic_config, current
from dataservice.models import Base, import_all_models
from runnerly_common.db import make_engine


def test_the_migrated_schema_matches_the_models(database_url):
    import_all_models()
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path}/updown.db"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert current(url) is None
    command.upgrade(config, "head")
    assert current(url) is not None
