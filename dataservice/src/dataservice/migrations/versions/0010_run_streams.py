"""activity streams, best efforts from them, splits

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:10:00

``run_streams`` keeps each Strava run's activity streams (or notes that Strava has none);
the worker fills it.  Every stored run's best efforts are then computed again
(``runs.recompute``): two new record distances (400 m, 1 mile) and the rule that no effort
is slower per km than a longer one of the same run.  About 1,000 runs a second; the old
code runs against the new schema (it ignores the table and the new distances).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import runnerly_common.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "run_streams",
        sa.Column("run_id", BigId, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("fetched_at", runnerly_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_streams_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_streams")),
    )
    recompute_all_efforts()


def recompute_all_efforts() -> None:
    """Every run's best efforts, from what is stored, a batch of ids at a time."""
    from dataservice.runs.recompute import recompute_efforts  # the one implementation

    session = Session(bind=op.get_bind())
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("runs")}
    last = 0
    while True:
        ids = list(
            session.scalars(
                sa.text("SELECT id FROM runs WHERE id > :last ORDER BY id LIMIT :n"),
                {"last": last, "n": BATCH},
            )
        )
        if not ids:
            break
        recompute_efforts(session, ids, present)
        session.flush()
        last = ids[-1]


def downgrade() -> None:
    op.drop_table("run_streams")
    # Efforts at the new distances mean nothing to the older code's records.
    op.execute("DELETE FROM best_efforts WHERE distance IN (400, 1609)")
