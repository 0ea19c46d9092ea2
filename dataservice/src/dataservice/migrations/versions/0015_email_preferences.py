"""email preferences and one-click unsubscribe

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:00:00

``email_preferences``: per runner, whether the monthly report is sent, the day of the
month it arrives, and the token of the runner's one-click unsubscribe link (RFC 8058).
Created empty: a runner without a row has the defaults (report on, day 1), and the row,
with a fresh random token, is made the first time it is read
(``dataservice.email_preferences.service.preferences``), so no token is made here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runnerly_common.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "email_preferences",
        sa.Column("runner_id", BigId, nullable=False),
        sa.Column("monthly_report", sa.Boolean(), nullable=False),
        sa.Column("report_day", sa.Integer(), nullable=False),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
        sa.Column("updated_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "report_day BETWEEN 1 AND 28", name=op.f("ck_email_preferences_report_day")
        ),
        sa.ForeignKeyConstraint(
            ["runner_id"],
            ["users.id"],
            name=op.f("fk_email_preferences_runner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("runner_id", name=op.f("pk_email_preferences")),
        sa.UniqueConstraint(
            "unsubscribe_token", name=op.f("uq_email_preferences_unsubscribe_token")
        ),
    )


def downgrade() -> None:
    op.drop_table("email_preferences")
