"""The database helper: a session per app context, transactions outside Flask, sane SQLite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import ForeignKey, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runnerly_common import Settings, create_app
from runnerly_common.db import Database


class Base(DeclarativeBase):
    pass


class Runner(Base):
    __tablename__ = "runners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id"))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'runs.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def app(db: Database) -> Flask:
    app = create_app("dataservice", Settings.load(environ={}, env="test"), configure_logs=False)
    db.init_app(app)

    @app.post("/runners/<name>")
    def add_runner(name: str) -> dict[str, int]:
        runner = Runner(name=name)
        db.session.add(runner)
        db.session.commit()
        return {"id": runner.id}

    @app.get("/runners")
    def list_runners() -> dict[str, list[str]]:
        return {"names": list(db.session.scalars(select(Runner.name).order_by(Runner.id)))}

    return app


class TestSessionPerAppContext:
    def test_views_share_committed_data_across_requests(self, app: Flask) -> None:
        client = app.test_client()
        assert client.post("/runners/ada").status_code == 200
        assert client.post("/runners/bob").status_code == 200
        assert client.get("/runners").get_json() == {"names": ["ada", "bob"]}

    def test_one_context_gets_one_session_and_a_new_context_a_new_one(
        self, app: Flask, db: Database
    ) -> None:
        with app.app_context():
            first = db.session
            assert db.session is first
        with app.app_context():
            assert db.session is not first

    def test_uncommitted_work_is_dropped_with_the_context(self, app: Flask, db: Database) -> None:
        with app.app_context():
            db.session.add(Runner(name="ghost"))
            db.session.flush()
        with db.transaction() as session:
            assert session.scalars(select(Runner)).all() == []


class TestTransactionOutsideFlask:
    def test_it_commits_when_the_block_succeeds(self, db: Database) -> None:
        with db.transaction() as session:
            session.add(Runner(name="ada"))
        with db.transaction() as session:
            assert session.scalars(select(Runner.name)).all() == ["ada"]

    def test_nothing_half_written_stays_when_the_block_fails(self, db: Database) -> None:
        with pytest.raises(ValueError), db.transaction() as session:
            session.add(Runner(name="ada"))
            session.flush()
            raise ValueError("the second half failed")
        with db.transaction() as session:
            assert session.scalars(select(Runner)).all() == []


class TestSQLiteDefaults:
    def test_foreign_keys_are_enforced(self, db: Database) -> None:
        with pytest.raises(IntegrityError), db.transaction() as session:
            session.add(Run(runner_id=404))

    def test_the_database_runs_in_wal_mode(self, db: Database) -> None:
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"

    def test_the_directory_of_the_database_file_is_created(
        self, db: Database, tmp_path: Path
    ) -> None:
        assert db.ping() is True
        assert (tmp_path / "nested" / "dir" / "runs.db").is_file()

    def test_two_requests_that_read_then_write_both_succeed(self, app: Flask, db: Database) -> None:
        """A write request that read first must not fail because another write committed
        since its read (SQLite's stale snapshot): write requests take the lock up front."""
        first_has_read, second_done = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def read_then_write() -> None:
            with app.test_request_context("/runners/ada", method="POST"):
                db.session.scalars(select(Runner)).all()
                first_has_read.set()
                second_done.wait(0.5)  # the second writer waits for us instead
                db.session.add(Runner(name="ada"))
                db.session.commit()

        def write() -> None:
            first_has_read.wait(5)
            with app.test_request_context("/runners/bob", method="POST"):
                db.session.add(Runner(name="bob"))
                db.session.commit()
            second_done.set()

        threads = [threading.Thread(target=_recording(f, errors)) for f in (read_then_write, write)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert errors == []
        with db.transaction() as session:
            assert sorted(session.scalars(select(Runner.name))) == ["ada", "bob"]

    def test_read_requests_do_not_wait_for_a_writer(self, app: Flask, db: Database) -> None:
        with app.test_request_context("/runners/ada", method="POST"):
            db.session.add(Runner(name="ada"))
            db.session.flush()  # the write lock is held until the commit
            with app.test_request_context("/runners", method="GET"), app.app_context():
                assert db.session.scalars(select(Runner)).all() == []


def _recording(function: Callable[[], None], errors: list[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's assertion
            errors.append(exc)

    return run


def test_a_reading_post_does_not_wait_for_a_writer(app: Flask, db: Database) -> None:
    with app.test_request_context("/runners/ada", method="POST"):
        db.session.add(Runner(name="ada"))
        db.session.flush()  # the write lock is held until the commit
        with app.test_request_context("/login", method="POST"), app.app_context():
            assert db.reader.scalars(select(Runner)).all() == []


def test_a_second_writer_inside_a_writing_request_fails_at_once(app: Flask, db: Database) -> None:
    """Rather than waiting for its own request's write lock until busy_timeout."""
    with app.test_request_context("/runners/ada", method="POST"):
        db.session.scalars(select(Runner)).all()
        with pytest.raises(RuntimeError, match="use one of them"), db.transaction():
            pass
        db.session.rollback()
        with db.transaction() as session:  # once the request's transaction is over
            session.add(Runner(name="ada"))
