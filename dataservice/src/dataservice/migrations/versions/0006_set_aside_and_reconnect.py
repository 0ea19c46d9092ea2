"""set-aside activities; Strava links that need reconnecting and page in any order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00

``set_aside_activities`` keeps what a source could not store as a run, with the reason the
runner and the operator read.  ``strava_links`` gains what a backfill needs where Strava
pages oldest first (``backfill_after``, ``backfill_page``, 1 for the links there are) and
when the recent weeks were last reconciled.  The state ``reconnect`` is a new value of the
existing ``sync_state`` string: no change to the column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("strava_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "backfill_after", runnerly_common.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("backfill_page", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reconciled_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "set_aside_activities",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("start_time", runnerly_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("seen_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_set_aside_activities_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_set_aside_activities")),
        sa.UniqueConstraint("runner_id", "source", "external_id", name="uq_set_aside_identity"),
    )
    op.create_index(
        "ix_set_aside_runner_seen", "set_aside_activities", ["runner_id", "seen_at"], unique=False
    )


def downgrade() -> None:
    # The code before this revision knows no `reconnect`: such a link shows as an error
    # (its sync_error says why) until the runner connects again.
    op.execute("UPDATE strava_links SET sync_state = 'error' WHERE sync_state = 'reconnect'")
    op.drop_index("ix_set_aside_runner_seen", table_name="set_aside_activities")
    op.drop_table("set_aside_activities")
    with op.batch_alter_table("strava_links", schema=None) as batch_op:
        batch_op.drop_column("reconciled_at")
        batch_op.drop_column("backfill_page")
        batch_op.drop_column("backfill_after")
