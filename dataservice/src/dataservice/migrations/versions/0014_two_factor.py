"""two-factor sign-in (TOTP) and recovery codes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00

PLACEHOLDER: reserved for issue 19's two factor work; fill in or this stays a no-op.
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
