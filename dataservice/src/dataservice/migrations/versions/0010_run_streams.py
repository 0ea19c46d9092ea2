"""activity streams, best efforts from them, splits

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:10:00

Placeholder reserved for issue 16 part work; filled in by the part that owns it.
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
