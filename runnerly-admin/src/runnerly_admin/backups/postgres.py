"""PostgreSQL through its own programs: ``pg_dump`` and ``pg_restore`` (custom format), and
scratch databases for the drill.

The programs get the address in libpq's environment variables, never on their command
line, where every user of the host could read the password (``ps``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from runnerly_admin.backups.errors import BackupError
from runnerly_admin.backups.settings import BackupSettings
from runnerly_admin.failures import first_line, safe_url

DRILL_PREFIX = "runnerly_drill_"


def postgres_url(what: str, url: str, variable: str) -> URL:
    """``url`` parsed, or the error naming ``variable`` when it is unset or not PostgreSQL."""
    if not url:
        raise BackupError(f"{what}: set {variable} (or {variable}_FILE)")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BackupError(f"{what}: {variable} is not a database URL") from None
    if parsed.get_backend_name() != "postgresql":
        raise BackupError(
            f"{what} is {parsed.get_backend_name()} ({safe_url(url)}): backups are for "
            "PostgreSQL; copy a SQLite file while nothing writes to it"
        )
    return parsed


def superuser_url(settings: BackupSettings) -> str:
    """``RUNNERLY_BACKUP_POSTGRES_URL`` with ``RUNNERLY_BACKUP_POSTGRES_PASSWORD`` put in,
    when given."""
    if not (settings.postgres_url and settings.postgres_password):
        return settings.postgres_url
    try:
        url = make_url(settings.postgres_url).set(password=settings.postgres_password)
    except ArgumentError:
        return settings.postgres_url  # named as not a URL where it is used
    return url.render_as_string(hide_password=False)


def libpq_environment(url: URL) -> dict[str, str]:
    """The process environment with ``url`` as libpq's variables (and none inherited)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        {
            "PGHOST": url.host or "localhost",
            "PGPORT": str(url.port or 5432),
            "PGDATABASE": url.database or "",
            "PGUSER": url.username or "postgres",
            "PGCONNECT_TIMEOUT": "10",
        }
    )
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    for name, value in url.query.items():  # sslmode and the like
        if name.startswith("ssl") and isinstance(value, str):
            env[f"PG{name.upper()}"] = value
    return env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client programs (Debian: "
            "postgresql-client), of the server's major version or newer"
        )
    return path


def _run(what: str, args: list[str], url: URL) -> None:
    result = subprocess.run(
        args,
        env=libpq_environment(url),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit code {result.returncode}"
        raise BackupError(f"{what} failed ({_where(url)}): {reason}")


def _where(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def dump(url: URL, output: Path, snapshot: str | None = None) -> None:
    """The whole database, custom format (compressed; restorable table by table); as of
    ``snapshot`` when given (``pg_export_snapshot()`` of a transaction still open)."""
    args = [
        _program("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--file",
        str(output),
    ]
    if snapshot is not None:
        args.append(f"--snapshot={snapshot}")
    _run(f"pg_dump of {url.database}", args, url)


def restore(url: URL, dump_file: Path, *, clean: bool, role: str | None = None) -> None:
    """``dump_file`` into the database at ``url``, in one transaction: it fails whole, leaving
    the database as it was. ``clean``: drop what the dump holds first (a real restore);
    without, the database must be empty (a scratch one). Objects end up owned by ``url``'s
    role, or ``role``'s (the superuser restoring a service's database as its owner)."""
    args = [
        _program("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        url.database or "",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    if role:
        args += ["--role", role]
    _run(f"pg_restore into {url.database}", [*args, str(dump_file)], url)


@contextmanager
def scratch_databases(admin: URL, names: tuple[str, ...]) -> Iterator[dict[str, URL]]:
    """One new, empty database per name (``runnerly_drill_<pid>_<random>_<name>``), dropped
    when the block ends however it ends."""
    engine = create_engine(admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    run = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"  # the pid: whose a leftover was
    created: dict[str, URL] = {}
    try:
        try:
            with engine.connect() as conn:
                for name in names:
                    database = f"{DRILL_PREFIX}{run}_{name}"
                    conn.execute(text(f'CREATE DATABASE "{database}"'))
                    created[name] = admin.set(database=database)
        except SQLAlchemyError as exc:
            reason = first_line(getattr(exc, "orig", None) or exc)
            raise BackupError(
                f"cannot create scratch databases at {_where(admin)}: {reason}"
            ) from None
        yield created
    finally:
        try:
            with engine.connect() as conn:
                for url in created.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            engine.dispose()
