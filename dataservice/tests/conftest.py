"""Fixtures: a dataservice on SQLite and on PostgreSQL, tokens for runners and services.

Tokens are signed with a test key published by a real JWKS server on a free port, so
every request goes through the same verification as in production.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

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
from runnerly_common.testing.postgres import empty_cascade

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


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each test of this process finds its SQLite database: one path, so that one app
    serves them all (``shared_apps``)."""
    return tmp_path_factory.mktemp("sqlite") / "dataservice.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        # A fresh copy of the template under the same name: the previous test's files are
        # unlinked first, so a connection it left open keeps reading its own.
        for leftover in ("", "-wal", "-shm", "-journal"):
            sqlite_path.with_name(sqlite_path.name + leftover).unlink(missing_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), sqlite_path)
        yield f"sqlite:///{sqlite_path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:  # leave the shared database empty for the next test
        empty_cascade(conn, "users")  # as TRUNCATE users CASCADE, in milliseconds
    engine.dispose()


@pytest.fixture(scope="session")
def shared_apps() -> Iterator[dict[tuple[str, str], Flask]]:
    """One app per database and JWKS in this process, reused by every test on them (the
    database emptied between tests): building an app compiles its ~80 URL rules, 40 ms of
    CPU, which every test paid before."""
    apps: dict[tuple[str, str], Flask] = {}
    yield apps
    for app in apps.values():
        app.extensions["runnerly.db"].dispose()


@pytest.fixture
def settings(
    database_url: str, jwks_url: str, shared_apps: dict[tuple[str, str], Flask]
) -> DataServiceSettings:
    if (database_url, jwks_url) not in shared_apps:
        app = create_app(
            DataServiceSettings.load(
                environ={},
                env="test",
                database_url=database_url,
                jwks_url=jwks_url,
                strava_token_keys=Fernet.generate_key().decode(),
            )
        )
        app.config["OPENAPI_VALIDATE_RESPONSES"] = True
        shared_apps[database_url, jwks_url] = app
    settings: DataServiceSettings = shared_apps[database_url, jwks_url].extensions[
        "runnerly.settings"
    ]
    return settings


@pytest.fixture
def app(
    settings: DataServiceSettings,
    database_url: str,
    jwks_url: str,
    shared_apps: dict[tuple[str, str], Flask],
) -> Iterator[Flask]:
    app = shared_apps[database_url, jwks_url]
    # What a test changes on the app (a cipher, a config value) is not the next test's.
    extensions, config = dict(app.extensions), dict(app.config)
    yield app
    try:
        check_kept_vdots(app)
        check_kept_panels(app)
        check_kept_training(app)
    finally:
        app.extensions["runnerly.db"].dispose()
        app.extensions.clear()
        app.extensions.update(extensions)
        app.config.clear()
        app.config.update(config)


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
