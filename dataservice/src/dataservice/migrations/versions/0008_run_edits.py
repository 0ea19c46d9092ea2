"""runs their runner corrected: workout type, exclusion, locally edited fields

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:10:00

``runs`` gains ``workout_type`` (race, long_run, workout; null for an ordinary run),
``excluded`` (left out of every statistic) and ``edited_fields`` (the source's fields the
runner changed here, which a later sync leaves alone).  ``content_hash`` keeps its name and
now means the digest of what the source last sent: for every row there is, that is what it
already holds (no local edit was kept apart before this revision), so nothing is rewritten.
Excluded runs hold no best efforts; none is excluded yet, so none are removed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workout_type", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("excluded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("edited_fields", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    # The code before this revision counts every run and lets a sync overwrite any field:
    # excluded runs count again (their best efforts come back at their next change).
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("edited_fields")
        batch_op.drop_column("excluded")
        batch_op.drop_column("workout_type")
