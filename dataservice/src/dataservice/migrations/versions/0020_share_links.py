"""share links and privacy zones (issue 20, decision 65)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:00:00

``share_links``: a link to one run or one race, kept as the SHA-256 of its token;
``privacy_zones``: the places whose circle hides a shared route's ends. New tables only:
the old code runs against the new schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    when = runnerly_common.db.UTCDateTime(timezone=True)
    op.create_table(
        "share_links",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("run_id", BigId, nullable=True),
        sa.Column("race_id", BigId, nullable=True),
        sa.Column("show_hr", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=True),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_share_links_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_share_links_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["race_id"],
            ["races.id"],
            name=op.f("fk_share_links_race_id_races"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index("ix_share_links_runner_id", "share_links", ["runner_id"])
    op.create_table(
        "privacy_zones",
        sa.Column("id", BigId, nullable=False),
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_privacy_zones_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_zones")),
    )
    op.create_index("ix_privacy_zones_runner_id", "privacy_zones", ["runner_id"])


def downgrade() -> None:
    op.drop_index("ix_privacy_zones_runner_id", table_name="privacy_zones")
    op.drop_table("privacy_zones")
    op.drop_index("ix_share_links_runner_id", table_name="share_links")
    op.drop_table("share_links")
