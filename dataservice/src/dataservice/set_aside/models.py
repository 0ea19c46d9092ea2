from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow
from runnerly_common.run_bounds import REASON_MAX, TITLE_MAX


class SetAsideActivity(Base):
    """One activity that is not a run in Runnerly, and why.  Its key is a run's key: the
    batch that stores (or deletes) the run under that key removes this row."""

    __tablename__ = "set_aside_activities"
    __table_args__ = (
        UniqueConstraint("runner_id", "source", "external_id", name="uq_set_aside_identity"),
        # The runner's list, newest first.
        Index("ix_set_aside_runner_seen", "runner_id", "seen_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    # When a source last reported it (each batch naming it again replaces this).
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
