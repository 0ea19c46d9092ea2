"""Migration 0015: runners of a database at 0014 get the defaults, and it steps back down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import inspect, text

from dataservice.email_preferences import service
from dataservice.migrate import upgrade
from runnerly_common.db import make_engine
from runnerly_common.testing import ServiceUnavailable, skip_or_fail, temporary_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/steps.db"
        return
    try:
        with temporary_postgres_database("runnerly_ds_prefs") as url:
            yield url
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


def test_a_runner_from_before_0015_gets_the_report_on_the_first_and_a_token(empty_database):
    upgrade(empty_database, "0014")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, email_key, first_name, last_name, units,"
                    " is_admin, disabled, created_at, updated_at) VALUES ('a@example.org',"
                    " 'a@example.org', 'Ada', '', 'metric', :no, :no, :when, :when)"
                ),
                {"no": False, "when": "2026-01-01 00:00:00+00:00"},
            )
            runner_id = connection.scalar(text("SELECT id FROM users"))
        upgrade(empty_database)
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            [listed], total = service.list_preferences(session, 1, 50, monthly_report=True)
            assert total == 1
            assert (listed.runner_id, listed.monthly_report, listed.report_day) == (
                runner_id,
                True,
                1,
            )
            row = service.preferences(session, runner_id)
            session.commit()
            assert row.unsubscribe_token and service.by_token(session, row.unsubscribe_token) is row
    finally:
        engine.dispose()


def test_going_back_to_0014_drops_the_preferences(empty_database):
    from alembic import command

    from dataservice.migrate import alembic_config

    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "0014")
    engine = make_engine(empty_database)
    try:
        assert not inspect(engine).has_table("email_preferences")
    finally:
        engine.dispose()
