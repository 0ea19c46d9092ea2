"""one activity is one run: merged duplicates

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:10:00

``runs.merged_into`` names the kept run of a run found to be the same effort (``NULL`` for
every run this revision finds: existing duplicates are merged by ``dataservice
merge-duplicates``, not here, so that an upgrade stays a schema change an operator can time).
``ON DELETE SET NULL``: a kept run deleted (on Strava) gives its absorbed runs back.
``run_splits`` remembers the pairs a runner split apart, so they are never merged again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", BigId, nullable=True))
        batch_op.create_index(batch_op.f("ix_runs_merged_into"), ["merged_into"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_runs_merged_into_runs"),
            "runs",
            ["merged_into"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "run_splits",
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("other_id", BigId, nullable=False),
        sa.Column("created_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_splits_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["runs.id"],
            name=op.f("fk_run_splits_other_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "other_id", name=op.f("pk_run_splits")),
    )
    op.create_index(op.f("ix_run_splits_other_id"), "run_splits", ["other_id"], unique=False)


def downgrade() -> None:
    # The code before this revision would count absorbed runs twice: going down un-merges.
    op.drop_index(op.f("ix_run_splits_other_id"), table_name="run_splits")
    op.drop_table("run_splits")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_runs_merged_into_runs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_runs_merged_into"))
        batch_op.drop_column("merged_into")
