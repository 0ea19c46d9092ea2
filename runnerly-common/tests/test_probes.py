"""Readiness checks of a Celery broker and Redis: a real Redis, SQLite files, and sockets
that refuse or never answer."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runnerly_common.probes import DependencyError, broker_check, redis_check
from runnerly_common.testing import free_port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung dependency."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


class TestRedisBroker:
    def test_a_running_redis_is_ready(self, redis_url: str) -> None:
        assert broker_check(f"{redis_url}/0")() is True

    def test_a_refused_connection_names_the_failure_not_the_password(self) -> None:
        check = broker_check(f"redis://:hunter2@127.0.0.1:{free_port()}/0")
        with pytest.raises(DependencyError) as caught:
            check()
        assert "hunter2" not in str(caught.value)
        assert "ConnectionError" in str(caught.value)

    def test_a_redis_that_never_answers_fails_within_the_timeout(self, silent_port: int) -> None:
        check = redis_check(f"redis://user:s3cret@127.0.0.1:{silent_port}/0", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(DependencyError) as caught:
            check()
        assert time.monotonic() - started < 1.5
        assert "s3cret" not in str(caught.value)


class TestSQLiteBroker:
    def test_an_existing_broker_file_is_ready(self, tmp_path: Path) -> None:
        path = tmp_path / "broker.db"
        sqlite3.connect(path).close()
        assert broker_check(f"sqla+sqlite:///{path}")() is True

    def test_a_missing_file_in_an_existing_folder_is_ready_and_not_created(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "broker.db"
        assert broker_check(f"sqla+sqlite:///{path}")() is True
        assert not path.exists()  # the worker makes it with its tables

    def test_a_missing_folder_is_not_ready(self, tmp_path: Path) -> None:
        check = broker_check(f"sqla+sqlite:///{tmp_path / 'nowhere' / 'broker.db'}")
        with pytest.raises(DependencyError, match="does not exist"):
            check()

    def test_a_file_that_is_not_a_database_is_not_ready(self, tmp_path: Path) -> None:
        path = tmp_path / "broker.db"
        path.write_bytes(b"not a database, just some bytes " * 100)
        with pytest.raises(DependencyError, match="DatabaseError"):
            broker_check(f"sqla+sqlite:///{path}")()


class TestOtherBrokers:
    def test_an_unreachable_amqp_broker_hides_its_password(self) -> None:
        check = broker_check(f"amqp://guest:t0psecret@127.0.0.1:{free_port()}//", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(DependencyError) as caught:
            check()
        assert time.monotonic() - started < 2
        assert "t0psecret" not in str(caught.value)
