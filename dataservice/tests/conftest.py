"""Fixtures: a dataservice on SQLite and on PostgreSQL, tokens for runners and services.

Tokens are signed with a test key published by a real JWKS server on a free port, so
every request goes through the same verification as in production.
"""

from __future__ import annotations

import graphlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from dataservice.app import create_app
from dataservice.migrate import upgrade
from dataservice.settings import DataServiceSettings
from dataservice.users import service as users
from runnerly_common.testing import (
    IN_CI,
    JWKSServer,
    LiveServer,
    ServiceUnavailable,
    SigningKey,
    new_key,
    sign_token,
    temporary_postgres_database,
)

# Fixtures of one domain each, shared by several test folders.
pytest_plugins = ["fixtures_runs", "fixtures_races"]

ALL_RUNNER_SCOPES = "users:read users:write runs:read runs:write reports:read strava:tokens"
WEB = "runnerly-web"
WORKER = "strava-worker"


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return new_key("ES256", "dataservice-test")


@pytest.fixture(scope="session")
def jwks_url(signing_key: SigningKey) -> Iterator[str]:
    jwks = JWKSServer([signing_key])
    jwks.live = LiveServer(jwks)
    yield jwks.url
    jwks.live.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    try:
        with temporary_postgres_database("runnerly_ds_test") as url:
            upgrade(url)
            yield url
    except ServiceUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once per session: each test gets a copy (the
    thirteen migrations took ~0.5 s a test, the copy a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "dataservice.db"
    upgrade(f"sqlite:///{path}")
    assert not path.with_name(path.name + "-wal").exists(), "the template must be one file"
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "dataservice.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:  # leave the shared database empty for the next test
        empty_runner_tables(conn)
    engine.dispose()


# The tables ``TRUNCATE users CASCADE`` would empty: users and every table whose foreign keys
# lead to it, however indirectly.
RUNNER_TABLES = """
WITH RECURSIVE refs(tbl) AS (
    SELECT 'users'::regclass
    UNION SELECT con.conrelid::regclass FROM pg_constraint con
    JOIN refs ON con.confrelid = refs.tbl WHERE con.contype = 'f'
) SELECT tbl::text FROM refs
"""
FOREIGN_KEYS = "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
FOREIGN_KEYS += "WHERE contype = 'f'"
RESTART_SEQUENCES = """
SELECT setval(seq.seqrelid, seq.seqstart, false) FROM pg_sequence seq
JOIN pg_depend dep ON dep.objid = seq.seqrelid AND dep.deptype IN ('a', 'i')
WHERE dep.refobjid = ANY(CAST(:tables AS regclass[]))
"""


def empty_runner_tables(conn: Any) -> None:
    """What ``TRUNCATE users RESTART IDENTITY CASCADE`` does, by DELETE: a TRUNCATE gives
    each of the ~20 tables new files, 0.1-0.5 s a test on this machine, where deleting the
    few rows a test wrote takes milliseconds. Referencing tables go first; the sequences
    start again, as with RESTART IDENTITY."""
    tables = set(conn.execute(text(RUNNER_TABLES)).scalars())
    order = graphlib.TopologicalSorter({table: set() for table in tables})
    for child, parent in conn.execute(text(FOREIGN_KEYS)):
        if child in tables and parent in tables and child != parent:
            order.add(parent, child)  # the rows referring to ``parent`` are deleted first
    for table in order.static_order():
        conn.execute(text(f"DELETE FROM {table}"))  # names from the catalog
    conn.execute(text(RESTART_SEQUENCES), {"tables": sorted(tables)})


@pytest.fixture
def settings(database_url: str, jwks_url: str) -> DataServiceSettings:
    return DataServiceSettings.load(
        environ={},
        env="test",
        database_url=database_url,
        jwks_url=jwks_url,
        strava_token_keys=Fernet.generate_key().decode(),
    )


@pytest.fixture
def app(settings: DataServiceSettings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True
    yield app
    try:
        check_kept_vdots(app)
        check_kept_panels(app)
        check_kept_training(app)
    finally:
        app.extensions["runnerly.db"].dispose()


def check_kept_panels(app: Flask) -> None:
    """After every test: each runner's stored records panel is what their runs give now,
    and every runner with runs has one (a write that forgot to touch its runner fails the
    test that made it)."""
    from sqlalchemy import inspect, select

    from dataservice.runs.models import Run
    from dataservice.stats import kept_records, records
    from dataservice.stats.models import RunnerRecords
    from dataservice.users.models import User

    db = app.extensions["runnerly.db"]
    if not inspect(db.engine).has_table("runner_records"):
        return  # a migration test left the schema below the table
    with db.sessionmaker() as session:
        stored = dict(session.execute(select(RunnerRecords.runner_id, RunnerRecords.panel)).all())
        with_runs = set(session.scalars(select(Run.runner_id).distinct()))
        for runner_id in session.scalars(select(User.id)):
            if runner_id not in stored:
                assert runner_id not in with_runs, f"runner {runner_id}: no stored records panel"
                continue
            fresh = json.loads(json.dumps(records.compute(session, runner_id)))
            assert stored[runner_id] == fresh, f"runner {runner_id}: stored records panel is stale"
            assert kept_records.panel(session, runner_id) == fresh


def check_kept_vdots(app: Flask) -> None:
    """After every test: each runner's stored run VDOTs are what their runs, efforts and
    heart rates give now (dataservice.vo2max.kept)."""
    from sqlalchemy import inspect, select

    from dataservice.users.models import User
    from dataservice.vo2max import kept

    db = app.extensions["runnerly.db"]
    if not inspect(db.engine).has_table("run_vdots"):
        return  # a migration test left the schema below the table
    with db.sessionmaker() as session:
        for runner_id in session.scalars(select(User.id)):
            stored, fresh = kept.stored(session, runner_id), kept.compute(session, runner_id)
            assert stored.keys() == fresh.keys(), f"runner {runner_id}: stale run VDOTs"
            for run_id, values in fresh.items():
                assert kept.same(stored[run_id], values), f"run {run_id}: stale VDOT"


def check_kept_training(app: Flask) -> None:
    """After every test: each runner's stored days (training load, fitness, fatigue, form)
    are what a recomputation from every run gives now (a write that forgot to touch its
    runner, or an incremental update that went wrong, fails the test that made it)."""
    from sqlalchemy import inspect, select

    from dataservice.training import kept
    from dataservice.users.models import User

    db = app.extensions["runnerly.db"]
    if not inspect(db.engine).has_table("training_days"):
        return  # a migration test left the schema below the table
    with db.sessionmaker() as session:
        for runner_id in session.scalars(select(User.id)):
            stored, fresh = kept.stored_days(session, runner_id), kept.compute(session, runner_id)
            assert kept.rounded(stored) == kept.rounded(fresh), (
                f"runner {runner_id}: stored training days are stale"
            )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """A session on the service's database, for arranging and checking state."""
    with app.extensions["runnerly.db"].sessionmaker() as session:
        yield session


@pytest.fixture
def token(signing_key: SigningKey) -> Callable[..., dict[str, str]]:
    """Authorization headers: ``token(runner=3)`` for a runner's token (via runnerly-web),
    ``token(client="strava-worker", scope="runs:write")`` for a service token."""

    def headers(
        runner: int | None = None, client: str = WEB, scope: str = ALL_RUNNER_SCOPES
    ) -> dict[str, str]:
        if runner is not None:
            value = sign_token(
                signing_key,
                audience="dataservice",
                subject=str(runner),
                scope=scope,
                client_id=client,
                act={"sub": client},
            )
        else:
            value = sign_token(
                signing_key, audience="dataservice", subject=client, scope=scope, client_id=client
            )
        return {"Authorization": f"Bearer {value}"}

    return headers


@pytest.fixture
def make_runner(app: Flask) -> Callable[..., int]:
    """Create a runner directly in the database; returns the id."""
    counter = iter(range(1, 1_000_000))

    def create(**fields: Any) -> int:
        data = {"email": f"runner{next(counter)}@example.org", "first_name": "Ada", **fields}
        disabled = data.pop("disabled", False)
        with app.extensions["runnerly.db"].transaction() as session:
            user = users.create_user(session, data)
            user.disabled = disabled
            session.flush()
            return user.id

    return create


@pytest.fixture
def runner(make_runner: Callable[..., int]) -> int:
    return make_runner()


@pytest.fixture
def other_runner(make_runner: Callable[..., int]) -> int:
    return make_runner()


@pytest.fixture
def snapshot(app: Flask) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table: compare before and after to prove nothing was written."""
    from dataservice.models import Base, import_all_models

    import_all_models()

    def take() -> dict[str, list[tuple[Any, ...]]]:
        with app.extensions["runnerly.db"].engine.connect() as conn:
            return {
                table.name: sorted(map(tuple, conn.execute(table.select())), key=repr)
                for table in Base.metadata.sorted_tables
            }

    return take


RUN = {
    "start_time": "2026-03-01T07:30:00Z",
    "distance": 10000.0,
    "moving_time": 3000,
    "elapsed_time": 3100,
    "title": "Sunday long run",
}


@pytest.fixture
def run_body() -> dict[str, Any]:
    """A valid body for a manual run: a 10 km Sunday run."""
    return dict(RUN)


@pytest.fixture
def strava_run() -> Callable[..., dict[str, Any]]:
    """A run as the worker sends it: ``strava_run("123", distance=5000.0)``."""
    return lambda external_id, **fields: {
        **RUN,
        "source": "strava",
        "external_id": external_id,
        **fields,
    }
