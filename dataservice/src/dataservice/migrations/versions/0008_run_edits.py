"""runs their runner corrected: workout type, exclusion, locally edited fields

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:10:00

Placeholder reserved for issue 16 part work; filled in by the part that owns it.
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
