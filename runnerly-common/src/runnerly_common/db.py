"""A SQLAlchemy engine and a session per Flask app context (or per ``with`` block)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import DateTime, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from runnerly_common.health import add_readiness_check


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no
    time zone: values are stored as naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Runnerly stores UTC instants only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with sane defaults: SQLite in WAL mode with foreign keys, pings on checkout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite opens transactions lazily and mishandles SAVEPOINT; SQLAlchemy's
            # documented remedy: let it do nothing and emit BEGIN ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A transaction that reads and then writes fails at once ("database is locked",
            # not retried by busy_timeout) when another writer committed after its read;
            # one that says it will write takes the write lock first and waits its turn.
            writes = connection.get_execution_options().get(WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def pool_options(url: str, pool_size: int, max_overflow: int) -> dict[str, int]:
    """``pool_size`` and ``max_overflow`` for a server database's engine: they bound the
    connections one process holds, which PostgreSQL's max_connections must cover for all of
    them (docs/operations.md, "Capacity").  None for SQLite, whose pools take neither."""
    if make_url(url).get_backend_name() == "sqlite":
        return {}
    return {"pool_size": pool_size, "max_overflow": max_overflow}


# Execution option of transactions that will write (SQLite begins them IMMEDIATE).
WRITE_OPTION = "runnerly_writes"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Database:
    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # Sessions of requests that change data, and of transaction(): on SQLite they wait
        # for the write lock before reading; elsewhere they are the same as the others.
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self.write_sessionmaker = sessionmaker(self._write_engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        app.extensions["runnerly.db"] = self
        add_readiness_check(app, "database", self.ping)

        @app.teardown_appcontext
        def _close_session(_exc: BaseException | None) -> None:
            for name in ("_db_session", "_db_reader"):
                session = g.pop(name, None)
                if session is not None:
                    session.close()

    @property
    def session(self) -> Session:
        """The app context's session, opened on first use and closed with the context."""
        if "_db_session" not in g:
            writes = has_request_context() and request.method not in _READ_METHODS
            g._db_session = (self.write_sessionmaker if writes else self.sessionmaker)()
        session: Session = g._db_session
        return session

    @property
    def reader(self) -> Session:
        """A session of the app context for a request that only reads, whatever its
        method (a POST that checks credentials): it never waits for SQLite's write lock."""
        if "_db_reader" not in g:
            g._db_reader = self.sessionmaker()
        reader: Session = g._db_reader
        return reader

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session outside Flask (CLI, worker): committed on success, rolled back on error."""
        if self.engine.dialect.name == "sqlite" and has_app_context():
            held = g.get("_db_session")
            if held is not None and held.bind is self._write_engine and held.in_transaction():
                # This request's write session holds SQLite's write lock: a second
                # writer would wait for it until busy_timeout, then fail.
                raise RuntimeError(
                    "Database.transaction() inside a request that already uses "
                    "Database.session to change data: use one of them (or .reader to read)"
                )
        with self.write_sessionmaker() as session, session.begin():
            yield session

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()
