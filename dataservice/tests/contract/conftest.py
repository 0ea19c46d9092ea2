"""A live dataservice: gunicorn serving a migrated database, trusting the test JWKS."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from runnerly_common.testing import (
    IN_CI,
    ServiceProcess,
    ServiceUnavailable,
    free_port,
    temporary_postgres_database,
)

BIN = Path(sys.executable).parent


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
    port = free_port()
    env = {
        **os.environ,
        "RUNNERLY_ENV": "test",
        "DATASERVICE_DATABASE_URL": live_database,
        "DATASERVICE_JWKS_URL": jwks_url,
        "DATASERVICE_STRAVA_TOKEN_KEYS": Fernet.generate_key().decode(),
        "DATASERVICE_PORT": str(port),
        "DATASERVICE_WORKERS": "2",
        "DATASERVICE_LOG_LEVEL": "WARNING",
    }
    workdir = tmp_path_factory.mktemp("dataservice")
    subprocess.run([str(BIN / "dataservice"), "migrate"], env=env, check=True, capture_output=True)
    base = f"http://127.0.0.1:{port}"
    with ServiceProcess(
        [str(BIN / "dataservice"), "serve"],
        ready_url=f"{base}/readyz",
        log_path=workdir / "dataservice.log",
        env=env,
        cwd=workdir,
    ) as server:
        yield base
        assert not server.errors_in_log(), server.log()
