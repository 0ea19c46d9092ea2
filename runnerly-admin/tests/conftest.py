"""Fixtures: ``runnerly`` run through click's CliRunner against real, migrated SQLite and
PostgreSQL databases (the dataservice's and the tokendealer's), and a real Redis broker.

PostgreSQL is RUNNERLY_TEST_POSTGRES_URL or the local one, Redis RUNNERLY_TEST_REDIS_URL or
the local one; without them those tests skip, except in CI where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import redis
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from runnerly_admin.cli import main
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from dataservice.migrate import upgrade
from dataservice.models import Base, import_all_models
from dataservice.users import service as users
from runnerly_common.db import Database
from runnerly_common.testing import IN_CI, ServiceUnavailable, temporary_postgres_database
from runnerly_common.testing.postgres import empty_cascade
from tokendealer.models import Base as TokenDealerBase

REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
# This package's tests only, one database per xdist worker: a test asserting what reached
# the queue must not see another worker's messages.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
BROKER_URL = f"{REDIS_URL}/{11 + _WORKER % 5}"
QUEUE = "celery"  # the worker's default queue


def missing(what: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{what}: required in CI")
    pytest.skip(what)


@pytest.fixture(scope="session")
def postgres_urls() -> Iterator[tuple[str, str]]:
    """A migrated dataservice database and an empty tokendealer one, for the session."""
    try:
        with (
            temporary_postgres_database("runnerly_admin_ds") as dataservice,
            temporary_postgres_database("runnerly_admin_td") as tokendealer,
        ):
            upgrade(dataservice)
            yield dataservice, tokendealer
    except ServiceUnavailable as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataservice's SQLite database migrated once: each test gets a copy (migrating
    took ~0.5 s a test, the copy a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "dataservice.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[str, str]]:
    """(dataservice, tokendealer) database URLs, each test starting empty."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "dataservice.db")
        yield f"sqlite:///{tmp_path}/dataservice.db", f"sqlite:///{tmp_path}/tokendealer.db"
        return
    dataservice, tokendealer = request.getfixturevalue("postgres_urls")
    yield dataservice, tokendealer
    engine = create_engine(dataservice)
    with engine.begin() as conn:  # as TRUNCATE users CASCADE, in milliseconds
        empty_cascade(conn, "users")
    engine.dispose()
    names = ", ".join(t.name for t in TokenDealerBase.metadata.sorted_tables)
    # setup() migrates them again (its Alembic version table goes too, or it would find
    # the schema current with no table left).
    _empty(tokendealer, f"DROP TABLE IF EXISTS {names}, alembic_version CASCADE")


def _empty(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def database_url(urls: tuple[str, str]) -> str:
    return urls[0]


@pytest.fixture
def tokendealer_url(urls: tuple[str, str]) -> str:
    return urls[1]


@pytest.fixture
def strava_keys() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def env(database_url: str, tokendealer_url: str, strava_keys: str) -> dict[str, str]:
    """The settings the commands read, as an operator's environment holds them."""
    return {
        "RUNNERLY_ENV": "test",
        "DATASERVICE_DATABASE_URL": database_url,
        "DATASERVICE_STRAVA_TOKEN_KEYS": strava_keys,
        "TOKENDEALER_DATABASE_URL": tokendealer_url,
        "TOKENDEALER_KEYS_PASSPHRASE": "test-passphrase-for-keys",
        "STRAVA_WORKER_BROKER_URL": BROKER_URL,
    }


@pytest.fixture
def runnerly(env: dict[str, str]) -> Callable[..., Result]:
    """``runnerly("import", "--user", "1", path, input=None, **env)``: the command's result
    (exit code, stdout, stderr); an exception the CLI does not explain fails the test."""

    def invoke(*args: Any, input: str | None = None, **overrides: str) -> Result:
        return CliRunner().invoke(
            main,
            [str(a) for a in args],
            input=input,
            env={**env, **overrides},
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
def dataservice_db(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def db(dataservice_db: Database) -> Iterator[Session]:
    """A session on the dataservice's database, for arranging and checking state."""
    with dataservice_db.sessionmaker() as session:
        yield session


@pytest.fixture
def make_runner(dataservice_db: Database) -> Callable[..., int]:
    counter = iter(range(1, 1_000_000))

    def create(**fields: Any) -> int:
        data = {"email": f"runner{next(counter)}@example.org", "first_name": "Ada", **fields}
        with dataservice_db.transaction() as session:
            return users.create_user(session, data).id

    return create


@pytest.fixture
def runner(make_runner: Callable[..., int]) -> int:
    return make_runner()


@pytest.fixture
def snapshot(dataservice_db: Database) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every dataservice table: equal before and after means nothing written."""
    import_all_models()

    def take() -> dict[str, list[tuple[Any, ...]]]:
        with dataservice_db.engine.connect() as conn:
            return {
                table.name: sorted(map(tuple, conn.execute(table.select())), key=repr)
                for table in Base.metadata.sorted_tables
            }

    return take


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """The Redis the broker URL names, its queue empty before and after the test."""
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)
    client.close()
