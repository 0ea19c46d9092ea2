"""a runner's data exports, built by the worker

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:00:00

``exports``: a runner's export (one a runner), its state and progress, when it expires;
``export_chunks``: the zip's bytes in order, in the database so that any node serves them
(decision 55).  New tables only: the old code runs against the new schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    when = runnerly_common.db.UTCDateTime(timezone=True)
    op.create_table(
        "exports",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.Column("finished_at", when, nullable=True),
        sa.Column("expires_at", when, nullable=True),
        sa.ForeignKeyConstraint(
            ["runner_id"], ["users.id"], name=op.f("fk_exports_runner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
        sa.UniqueConstraint("runner_id", name=op.f("uq_exports_runner_id")),
    )
    op.create_table(
        "export_chunks",
        sa.Column("export_id", BigId, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["exports.id"],
            name=op.f("fk_export_chunks_export_id_exports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", "seq", name=op.f("pk_export_chunks")),
    )


def downgrade() -> None:
    op.drop_table("export_chunks")
    op.drop_table("exports")
