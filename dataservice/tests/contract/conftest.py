"""A live dataservice: gunicorn serving a migrated database, trusting the test JWKS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runnerly_common.testing import IN_CI, ServiceUnavailable, temporary_postgres_database
from runnerly_common.testing.services import start_dataservice


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PostgreSQL when it runs here (always in CI), else SQLite."""
    try:
        with temporary_postgres_database("runnerly_ds_live") as url:
            yield url
            return
    except ServiceUnavailable:
        if IN_CI:
            raise
    yield f"sqlite:///{tmp_path_factory.mktemp('live')}/dataservice.db"


@pytest.fixture(scope="session")
def live_dataservice(
    live_database: str, jwks_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    dataservice = start_dataservice(
        tmp_path_factory.mktemp("dataservice"), database_url=live_database, jwks_url=jwks_url
    )
    try:
        yield dataservice.url
        assert not dataservice.process.errors_in_log(), dataservice.process.log()
    finally:
        dataservice.process.stop()
