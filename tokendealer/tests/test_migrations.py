"""The tokendealer's schema under Alembic: migrations build exactly what the models
describe, a database made by ``create_all`` before migrations is adopted, and every start
migrates instead of creating tables."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from runnerly_common.db import make_engine
from runnerly_common.testing import ServiceUnavailable, skip_or_fail, temporary_postgres_database
from tokendealer.migrate import (
    SchemaError,
    alembic_config,
    baseline_metadata,
    current,
    upgrade,
)
from tokendealer.models import import_all_models
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database without tables (a fresh one per test on PostgreSQL too: adoption needs
    an unversioned database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/td.db"
        return
    try:
        with temporary_postgres_database("runnerly_td_migrations") as url:
            yield url
    except ServiceUnavailable as exc:
        skip_or_fail(str(exc))


def _differences(url: str, metadata: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _settings(url: str) -> TokenDealerSettings:
    return TokenDealerSettings.load(
        environ={}, env="test", database_url=url, keys_passphrase="test-passphrase"
    )


def test_the_migrated_schema_matches_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    assert _differences(empty_database, import_all_models()) == []


def test_the_baseline_revision_is_the_schema_create_all_made(empty_database: str) -> None:
    upgrade(empty_database, "0001")
    assert _differences(empty_database, baseline_metadata()) == []


def test_migrations_go_down_to_nothing_and_up_again(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    assert current(empty_database) is None
    assert _tables(empty_database) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert current(empty_database) is not None


def test_setup_migrates_instead_of_creating_tables(empty_database: str) -> None:
    dealer = TokenDealer(_settings(empty_database))
    try:
        dealer.setup()
    finally:
        dealer.db.dispose()
    assert current(empty_database) == _head()


class TestAdoption:
    """A database made by ``create_all`` before migrations: the tables, keys and clients,
    no ``alembic_version``."""

    @pytest.fixture
    def unversioned(self, empty_database: str) -> str:
        engine = make_engine(empty_database)
        try:
            baseline_metadata().create_all(engine)
        finally:
            engine.dispose()
        _sql(
            empty_database,
            "INSERT INTO signing_keys (kid, alg, private_pem, public_jwk, created_at)"
            " VALUES ('old-key', 'ES256', 'pem', '{}', 1)",
        )
        return empty_database

    def test_it_is_stamped_at_the_baseline_and_migrated_keeping_its_rows(
        self, unversioned: str
    ) -> None:
        upgrade(unversioned)
        assert current(unversioned) == _head()
        assert _sql(unversioned, "SELECT kid FROM signing_keys") == [("old-key",)]
        assert _differences(unversioned, import_all_models()) == []

    def test_the_cli_adopts_it(self, unversioned: str, tmp_path: Any) -> None:
        done = _tokendealer(unversioned, tmp_path, "migrate")
        assert done.returncode == 0, done.stderr
        assert _head() in done.stdout
        assert current(unversioned) == _head()

    def test_tables_that_differ_from_the_baseline_are_refused_by_name(
        self, unversioned: str, tmp_path: Any
    ) -> None:
        _sql(unversioned, "ALTER TABLE clients ADD COLUMN surprise INTEGER")
        with pytest.raises(SchemaError, match="surprise"):
            upgrade(unversioned)
        assert "alembic_version" not in _tables(unversioned)  # nothing written
        done = _tokendealer(unversioned, tmp_path, "migrate")
        assert done.returncode == 1
        assert "cannot be adopted" in done.stderr and "Traceback" not in done.stderr


def test_two_setups_at_once_on_a_new_database_both_succeed(
    empty_database: str, tmp_path: Any
) -> None:
    # Each start migrates: two containers starting together must not both create tables.
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tokendealer.cli", "migrate"],
            env=_env(empty_database, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    assert current(empty_database) == _head()


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _env(url: str, tmp_path: Any) -> dict[str, str]:
    import os

    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TOKENDEALER_DATABASE_URL": url,
        "TOKENDEALER_KEYS_PASSPHRASE": "test-passphrase",
    }


def _tokendealer(url: str, tmp_path: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tokendealer.cli", *args],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
