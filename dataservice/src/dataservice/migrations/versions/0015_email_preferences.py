"""email preferences and one-click unsubscribe

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 16:00:00

PLACEHOLDER: reserved for issue 19's email preferences work; fill in or this stays a no-op.
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
