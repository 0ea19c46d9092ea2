"""each counted run's VDOT, kept on write

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:00:00

``run_vdots`` holds each counted running run's VDOT (from its best efforts, or its pace and
heart rate as Runalyze estimates it), rewritten in the transaction of every change to the
runner's runs or heart rates (``dataservice.vo2max.kept``).  This revision creates it empty;
``dataservice migrate`` (to head) then stores the missing rows with the code of that
version, so that the migration itself stays a schema change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_vdots",
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("vdot", sa.Float(), nullable=False),
        sa.Column("by_time", sa.Float(), nullable=True),
        sa.Column("effort_distance", sa.Integer(), nullable=True),
        sa.Column("by_hr", sa.Float(), nullable=True),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_vdots_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_vdots")),
    )
    op.create_index("ix_run_vdots_runner_day", "run_vdots", ["runner_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_run_vdots_runner_day", table_name="run_vdots")
    op.drop_table("run_vdots")
