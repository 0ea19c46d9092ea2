"""a runner's data exports, built by the worker

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:00:00

PLACEHOLDER: reserved for issue 19's data exports work; fill in or this stays a no-op.
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
