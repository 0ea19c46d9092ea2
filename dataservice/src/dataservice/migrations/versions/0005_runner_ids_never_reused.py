"""users: runner ids are never reused (SQLite AUTOINCREMENT)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:00:00

SQLite gives a new row the highest rowid plus one, so deleting the newest runner handed
their id to the next sign-up, and a token or session naming the deleted runner read the
newcomer's account.  AUTOINCREMENT can only be declared when the table is created, so on
SQLite the table is rebuilt (with foreign keys off: see migrations/env.py); the ids of
runners deleted before this migration above the highest remaining one cannot be known and
may be given once more.  PostgreSQL's sequences never go back: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _rebuild_users(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "users", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _rebuild_users(True)


def downgrade() -> None:
    _rebuild_users(False)
