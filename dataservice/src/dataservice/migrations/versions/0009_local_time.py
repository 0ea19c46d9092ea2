"""each run's local time and zone, each runner's time zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:10:00

``runs.start_local`` is the run's wall-clock start where it was run (naive), with the
``utc_offset`` (seconds) and IANA ``timezone`` it came from; days, weeks, months and years
group on it, through ``ix_runs_runner_local``.  Runs stored before this revision had no zone:
they are backfilled at UTC (``start_local = start_time``, offset and zone unknown), which is
what they were counted as until now.  ``users.timezone`` is the runner's own zone, "UTC"
for the runners there are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
        )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_local", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("utc_offset", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE runs SET start_local = start_time AT TIME ZONE 'UTC'")
    else:  # SQLite keeps start_time as naive UTC text already
        op.execute("UPDATE runs SET start_local = start_time")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("start_local", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index("ix_runs_runner_local", ["runner_id", "start_local"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_runner_local")
        batch_op.drop_column("timezone")
        batch_op.drop_column("utc_offset")
        batch_op.drop_column("start_local")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone")
