from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow


class Gear(Base):
    """A pair of shoes.  Its distance is not stored: it is the sum over the runs that count
    and wear it (``gear.service.distances``, one index read), so that no change to a run can
    leave it stale (decision 64)."""

    __tablename__ = "gear"
    __table_args__ = (
        # A Strava gear id names one pair of one runner: a sync maps it, never duplicates it.
        UniqueConstraint("runner_id", "strava_id", name="uq_gear_runner_strava"),
        Index("ix_gear_runner", "runner_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    # Strava's id ("g123") when the pair came from Strava: how a synced run finds it.
    strava_id: Mapped[str | None] = mapped_column(String(30))
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Metres: where the runner wants to be told to replace them (null: never).
    retire_distance: Mapped[float | None] = mapped_column(Float)
    # Metres already on the shoes before their first run here (bought used, worn elsewhere).
    start_distance: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # The pair a file or a run entered by hand gets; at most one per runner (gear.service).
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
