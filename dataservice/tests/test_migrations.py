"""The migrations build exactly the schema the models describe, and step back down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from dataservice.migrate import alembic_config, current, upgrade
from dataservice.models import Base, import_all_models
from runnerly_common.db import make_engine
from runnerly_common.testing import (
    ServiceUnavailable,
    skip_or_fail,
    temporary_postgres_database,
)


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
    url = f"sqlite:///{tmp_path}/updown.db"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert current(url) is None
    command.upgrade(config, "head")
    assert current(url) is not None


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database without tables, to migrate one step at a time."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/steps.db"
        return
    try:
        with temporary_postgres_database("runnerly_ds_steps") as url:
            yield url
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


def _sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _linked_runner(url: str, **link: Any) -> None:
    """A runner with a Strava link, written as the schema of the current revision takes it."""
    when = "2026-01-01 00:00:00+00:00"
    _sql(
        url,
        "INSERT INTO users (email, email_key, first_name, last_name, units, is_admin, disabled,"
        " created_at, updated_at) VALUES ('a@example.org', 'a@example.org', 'Ada', '',"
        " 'metric', :no, :no, :when, :when)",
        no=False,
        when=when,
    )
    columns = {
        "athlete_id": 7,
        "access_token": "a",
        "refresh_token": "r",
        "expires_at": "2030-01-01 00:00:00+00:00",
        "scopes": "",
        "sync_state": "backfilling",
        "pages_done": 4,
        "runs_imported": 800,
        "created_at": when,
        "updated_at": when,
        **link,
    }
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    _sql(
        url,
        f"INSERT INTO strava_links (user_id, {names}) SELECT id, {values} FROM users",
        **columns,
    )


class TestSetAsideAndReconnectMigration:
    def test_a_link_made_before_0006_resumes_at_page_one_with_its_progress(self, empty_database):
        upgrade(empty_database, "0005")
        _linked_runner(empty_database)
        upgrade(empty_database)
        assert _sql(
            empty_database,
            "SELECT backfill_page, backfill_after, reconciled_at, pages_done FROM strava_links",
        ) == [(1, None, None, 4)]
        assert _sql(empty_database, "SELECT count(*) FROM set_aside_activities") == [(0,)]

    def test_going_back_below_0006_shows_a_link_to_reconnect_as_an_error(self, empty_database):
        upgrade(empty_database)
        _linked_runner(
            empty_database, sync_state="reconnect", sync_error="Strava refused", backfill_page=3
        )
        command.downgrade(alembic_config(empty_database), "0005")
        assert _sql(empty_database, "SELECT sync_state, sync_error FROM strava_links") == [
            ("error", "Strava refused")
        ]
        engine = make_engine(empty_database)
        try:
            schema = inspect(engine)
            assert "set_aside_activities" not in schema.get_table_names()
            link_columns = {c["name"] for c in schema.get_columns("strava_links")}
        finally:
            engine.dispose()
        assert not link_columns & {"backfill_after", "backfill_page", "reconciled_at"}


class TestRunStreamsMigration:
    def test_runs_stored_before_0010_hold_the_new_record_distances_and_agree(self, empty_database):
        upgrade(empty_database, "0007")  # as older code wrote them (the steps between fill in)
        _linked_runner(empty_database)
        when = "2026-01-01 08:00:00+00:00"
        # A 10 km run entered by hand, held before as a "whole" 10 km only.
        _sql(
            empty_database,
            "INSERT INTO runs (runner_id, source, external_id, title, start_time, distance,"
            " moving_time, elapsed_time, sport_type, content_hash, created_at, updated_at)"
            " SELECT id, 'manual', 'm1', 'Ten', :when, 10100.0, 2525, 2525, 'Run', 'h', :when,"
            " :when FROM users",
            when=when,
        )
        _sql(
            empty_database,
            "INSERT INTO best_efforts (run_id, distance, runner_id, elapsed, start_time, origin)"
            " SELECT id, 10000, runner_id, 2500.0, start_time, 'whole' FROM runs",
        )
        upgrade(empty_database)
        efforts = _sql(
            empty_database, "SELECT distance, elapsed, origin FROM best_efforts ORDER BY distance"
        )
        assert efforts == [
            (400, 100.0, "pace"),
            (1000, 250.0, "pace"),
            (1609, 402.25, "pace"),
            (5000, 1250.0, "pace"),
            (10000, 2500.0, "whole"),
        ]
        assert _sql(empty_database, "SELECT count(*) FROM run_streams") == [(0,)]
