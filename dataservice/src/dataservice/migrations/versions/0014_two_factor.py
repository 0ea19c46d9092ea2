"""two-factor sign-in (TOTP) and recovery codes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00

``two_factor`` holds each enrolled runner's TOTP secret (encrypted), when a first code
confirmed it and the last time step accepted (a code is good once); ``recovery_codes``
the SHA-256 of each single-use recovery code.  Both start empty: nobody has two-factor
sign-in until they enrol (decision 53).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "two_factor",
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("enabled_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_two_factor_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("runner_id", name=op.f("pk_two_factor")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(
        op.f("ix_recovery_codes_runner_id"), "recovery_codes", ["runner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_recovery_codes_runner_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("two_factor")
