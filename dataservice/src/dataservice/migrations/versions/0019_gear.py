"""a runner's shoes and the run each was worn on

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 19:00:00

``gear``: a runner's pairs of shoes (name, brand, model, Strava's gear id when synced,
retired, a retirement distance, a starting distance, the default pair).  ``runs.gear_id``
names the pair a run was worn on, ``NULL`` for every run this revision finds (a later sync
of a changed activity, or the runner, sets it).  A pair's distance is summed from its runs
when read, through ``ix_runs_gear_id`` (decision 64): nothing derived is stored.  New table
and a nullable column: the previous code runs against the new schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    when = runnerly_common.db.UTCDateTime(timezone=True)
    op.create_table(
        "gear",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("strava_id", sa.String(length=30), nullable=True),
        sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("retire_distance", sa.Float(), nullable=True),
        sa.Column("start_distance", sa.Float(), server_default="0", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"], ["users.id"], name=op.f("fk_gear_runner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gear")),
        sa.UniqueConstraint("runner_id", "strava_id", name="uq_gear_runner_strava"),
    )
    op.create_index("ix_gear_runner", "gear", ["runner_id"], unique=False)
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gear_id", BigId, nullable=True))
        batch_op.create_index(batch_op.f("ix_runs_gear_id"), ["gear_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_runs_gear_id_gear"), "gear", ["gear_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_runs_gear_id_gear"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_runs_gear_id"))
        batch_op.drop_column("gear_id")
    op.drop_index("ix_gear_runner", table_name="gear")
    op.drop_table("gear")
