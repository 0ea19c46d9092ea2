"""training load per run, fitness, fatigue and form per day (issue 20, decision 61)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:00:00

``run_loads``: each run's training load and what it was computed from; ``training_days``:
a runner's load, fitness, fatigue and form per local day; ``users.threshold_pace`` (s/km,
nullable).  New tables and a nullable column only: the old code runs against the new
schema.  Both tables are derived: ``dataservice migrate`` fills them (``training.kept``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("threshold_pace", sa.Integer(), nullable=True))
    op.create_table(
        "run_loads",
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("load", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_loads_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_loads")),
    )
    op.create_index("ix_run_loads_runner_day", "run_loads", ["runner_id", "day"])
    op.create_table(
        "training_days",
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("load", sa.Float(), nullable=False),
        sa.Column("fitness", sa.Float(), nullable=False),
        sa.Column("fatigue", sa.Float(), nullable=False),
        sa.Column("form", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_training_days_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("runner_id", "day", name=op.f("pk_training_days")),
    )


def downgrade() -> None:
    op.drop_table("training_days")
    op.drop_index("ix_run_loads_runner_day", table_name="run_loads")
    op.drop_table("run_loads")
    op.drop_column("users", "threshold_pace")
