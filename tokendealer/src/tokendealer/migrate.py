"""Schema migrations with Alembic, run programmatically (``tokendealer migrate``, and every
``setup``: serve, bootstrap, provision and the admin facade migrate before they work).

A database made before the tokendealer had migrations (``create_all``: the tables, no
``alembic_version``) is *adopted*: once its tables are checked to be exactly the baseline's
(revision 0001), it is stamped at 0001 and the later migrations run as on any other.  A
database whose tables differ is refused, naming the differences, rather than guessed at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
)

from runnerly_common import migrations

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"


class SchemaError(RuntimeError):
    """The database holds tables this code cannot take over; the message says which."""


def alembic_config(database_url: str) -> Config:
    return migrations.alembic_config(MIGRATIONS, database_url)


def upgrade(database_url: str, revision: str = "head") -> None:
    migrations.upgrade(MIGRATIONS, database_url, revision)


def current(database_url: str) -> str | None:
    return migrations.current_revision(database_url)


def baseline_metadata() -> MetaData:
    """The tables as ``Base.metadata.create_all`` made them before migrations: what an
    unversioned database must hold to be adopted (frozen; 0001 creates the same)."""
    metadata = MetaData()
    Table(
        "clients",
        metadata,
        Column("client_id", String(64), primary_key=True),
        Column("secret_salt", String(64), nullable=False),
        Column("secret_hash", String(128), nullable=False),
        Column("audiences", String(1024), nullable=False),
        Column("scopes", String(1024), nullable=False),
        Column("user_scopes", String(1024), nullable=False),
        Column("disabled", Boolean, nullable=False),
        Column("created_at", Float, nullable=False),
    )
    Table(
        "signing_keys",
        metadata,
        Column("kid", String(64), primary_key=True),
        Column("alg", String(16), nullable=False),
        Column("private_pem", LargeBinary, nullable=False),
        Column("public_jwk", Text, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("activated_at", Float, nullable=True),
        Column("retired_at", Float, nullable=True),
    )
    return metadata


def needs_adoption(connection: Connection) -> bool:
    """Tables of the tokendealer's, but no ``alembic_version``: made by ``create_all``."""
    names = set(inspect(connection).get_table_names())
    return "alembic_version" not in names and bool(names & set(baseline_metadata().tables))


def baseline_differences(connection: Connection) -> list[Any]:
    """How the tokendealer's tables in the database differ from the baseline (Alembic's
    autogenerate comparison; other tables in the database are not looked at)."""
    baseline = baseline_metadata()

    def ours(name: str | None, type_: str, _parent: Any) -> bool:
        return type_ != "table" or name in baseline.tables

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": ours}
    )
    return list(compare_metadata(context, baseline))


def check_adoptable(connection: Connection) -> None:
    differences = baseline_differences(connection)
    if differences:
        raise SchemaError(
            "the tokendealer's database has tables but no alembic_version, and they are not "
            f"the tables of revision {BASELINE} (created before migrations), so it cannot be "
            f"adopted: {differences!r}. Bring them in line by hand (docs/operations.md, "
            f'"Upgrade with migrations"), or restore a backup'
        )
