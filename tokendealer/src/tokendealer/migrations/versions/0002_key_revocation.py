"""key revocation: when a signing key was revoked, and by whom

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=128), nullable=True))


def downgrade() -> None:
    # A revoked key must not come back to life in the JWKS of the older code: it would
    # see a row without revocation, published (or signing) again.  Deleted instead.
    op.execute("DELETE FROM signing_keys WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("signing_keys") as batch_op:
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
