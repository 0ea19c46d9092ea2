"""plans a runner edits, sessions matched to runs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:10:00

``plan_sessions`` gains the runner's own changes: ``skipped``, ``moved_from`` (the day the
plan had the session on) and ``edited``.  ``plans`` gets a unique index on ``race_id``:
one plan toward a race, which generating again replaces.  Plans that piled up toward one
race (the generate button pressed twice) are reduced to the latest one first.  Which run
did a session is derived on every read, never stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_sessions") as batch:
        batch.add_column(
            sa.Column("skipped", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("moved_from", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("edited", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Keep each race's latest plan; the older ones' sessions go with them (ON DELETE CASCADE
    # on PostgreSQL; SQLite's connection may not enforce it, so delete them explicitly).
    op.execute(
        "DELETE FROM plan_sessions WHERE plan_id IN (SELECT id FROM plans p WHERE EXISTS"
        " (SELECT 1 FROM plans q WHERE q.race_id = p.race_id AND q.id > p.id))"
    )
    op.execute(
        "DELETE FROM plans WHERE EXISTS"
        " (SELECT 1 FROM plans q WHERE q.race_id = plans.race_id AND q.id > plans.id)"
    )
    op.create_index("uq_plans_race", "plans", ["race_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_plans_race", table_name="plans")
    with op.batch_alter_table("plan_sessions") as batch:
        batch.drop_column("edited")
        batch.drop_column("moved_from")
        batch.drop_column("skipped")
