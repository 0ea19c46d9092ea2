"""Bring an existing database up to the models: ``create_all`` makes missing tables but
never adds a column to a table that exists, so a simulator database from before a new
switch would fail every request.  The sim has no migrations (its data is re-seedable);
adding the missing columns, each with its server default, keeps a developer's seeded
history and linked tokens across an upgrade."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateColumn

from strava_sim.models import Base


def upgrade(engine: Engine) -> list[str]:
    """Create missing tables and add missing columns; returns the ``table.column`` added."""
    Base.metadata.create_all(engine)
    added = []
    existing = inspect(engine)
    with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            present = {column["name"] for column in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
                added.append(f"{table.name}.{column.name}")
    return added
