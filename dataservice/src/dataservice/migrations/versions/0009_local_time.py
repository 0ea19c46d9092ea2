"""each run's local time and zone, each runner's time zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:10:00

Placeholder reserved for issue 16 part work; filled in by the part that owns it.
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
