"""best_efforts.runner_id without its own foreign key

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:05:00

The effort's run_id foreign key already ties it to its runner and deletes it with the run;
the second key cost a check per effort on every bulk insert.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("best_efforts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_best_efforts_runner_id_users", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("best_efforts", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_best_efforts_runner_id_users", "users", ["runner_id"], ["id"], ondelete="CASCADE"
        )
