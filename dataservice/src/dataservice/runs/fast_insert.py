"""Writing and finding many rows at once: COPY and arrays on PostgreSQL, the portable
statements elsewhere.

A batch of 1,000 runs through a pipelined executemany still costs PostgreSQL a parse, a plan
and a round of constraint work per row; COPY streams the rows into the table in one command
and is several times faster.  COPY cannot return the ids it assigns, so ids are reserved
from the table's sequence first.  SQLite keeps the portable path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from psycopg import errors as pg_errors
from psycopg import sql
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    CursorResult,
    Date,
    SQLColumnExpression,
    String,
    Table,
    any_,
    bindparam,
    delete,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(
    session: Session, column: SQLColumnExpression[str], values: Sequence[str]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of a
    thousand for SQLAlchemy to name and the server to parse."""
    if not _is_postgresql(session):
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(String)))


def among(
    session: Session, column: SQLColumnExpression[Any], values: Iterable[Any], kind: str = "id"
) -> ColumnElement[bool]:
    """``column IN values`` for ids (``kind`` "id") or dates ("date"), as :func:`one_of`:
    the refreshers of a batch of 1,000 runs ask for 1,000 ids several times, and each
    ``IN`` list cost SQLAlchemy and psycopg a compiled and parsed parameter per value."""
    values = list(values)
    if not _is_postgresql(session):
        return column.in_(values)
    type_ = ARRAY(BigInteger) if kind == "id" else ARRAY(Date)
    return column == any_(bindparam(None, values, type_=type_))


def by_source(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(source, external_id) keys as external ids per source: one statement per source."""
    grouped: dict[str, list[str]] = {}
    for source, external_id in keys:
        grouped.setdefault(source, []).append(external_id)
    return grouped


def delete_by_keys(
    session: Session, model: Any, runner_id: int, keys: Iterable[tuple[str, str]]
) -> int:
    """Delete the runner's rows of ``model`` named by (source, external_id): a run's
    identity, shared by runs and set-aside activities.  Returns how many went."""
    count = 0
    for source, external_ids in by_source(keys).items():
        # A DELETE's result is a CursorResult, the one with a rowcount.
        deleted = cast(
            "CursorResult[Any]",
            session.execute(
                delete(model).where(
                    model.runner_id == runner_id,
                    model.source == source,
                    one_of(session, model.external_id, external_ids),
                )
            ),
        )
        count += deleted.rowcount
    return count


def reserve_ids(session: Session, table: Table, count: int) -> list[int] | None:
    """``count`` fresh primary keys of ``table``, or None where the database assigns them
    only on insert (SQLite)."""
    if not _is_postgresql(session):
        return None
    rows = session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return [row[0] for row in rows]


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name; absent keys are NULL) into ``table``.

    A unique violation raises SQLAlchemy's IntegrityError on every backend, as a plain
    INSERT would, so callers handle a concurrent writer the same way everywhere.
    """
    if not rows:
        return
    if not _is_postgresql(session):
        session.execute(insert(table), list(rows))
        return
    dialect = session.get_bind().dialect
    chosen = [column for column in table.columns if column.name in rows[0]]
    columns = [column.name for column in chosen]
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = session.connection().connection.driver_connection
    if driver is None:  # a checked-out connection always has one; the types allow none
        raise RuntimeError("the session's connection has no DBAPI connection")
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types([_type_name(column, dialect) for column in chosen])
            for row in rows:
                copy.write_row([row.get(name) for name in columns])
    except pg_errors.IntegrityError as exc:
        raise IntegrityError(statement.as_string(driver), None, exc) from exc


def _type_name(column: Column[Any], dialect: Dialect) -> str:
    """The column's PostgreSQL type as psycopg names it (binary COPY sends each value in
    exactly that type's wire format)."""
    name = column.type.compile(dialect=dialect).split("(")[0].lower()
    return "float8" if name == "float" else name
