"""one activity is one run: merged duplicates

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:10:00

Placeholder reserved for issue 16 part work; filled in by the part that owns it.
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
