"""each runner's records panel, kept on write

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 07:00:00

``runner_records`` holds each runner's records panel, rewritten in the transaction of every
change to the runner's runs (``dataservice.stats.kept_records``).  This revision creates it
empty: a runner without a row is computed on read, as before, and ``dataservice migrate``
(to head) then stores the missing panels with the code of that version, so that the
migration itself stays a schema change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "runner_records",
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("panel", sa.JSON(), nullable=False),
        sa.Column("computed_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_runner_records_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("runner_id", name=op.f("pk_runner_records")),
    )


def downgrade() -> None:
    op.drop_table("runner_records")
