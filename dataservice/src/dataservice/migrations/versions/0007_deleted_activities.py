"""runs their runner deleted, so a sync does not bring them back

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:15:00

``deleted_activities`` keeps the key of each Strava run its runner deleted; ``addRuns``
skips those keys.  A table only: the code before this revision runs against it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deleted_activities",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("deleted_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_deleted_activities_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_activities")),
        sa.UniqueConstraint("runner_id", "source", "external_id", name="uq_deleted_identity"),
    )


def downgrade() -> None:
    op.drop_table("deleted_activities")
