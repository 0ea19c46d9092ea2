"""Share links and privacy zones, one runner's each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.races import models as _races  # noqa: F401  (the foreign keys' target tables)
from dataservice.runs import models as _runs  # noqa: F401
from dataservice.users import models as _users  # noqa: F401
from runnerly_common.db import UTCDateTime, utcnow


class ShareLink(Base):
    """A link to one run or one race (exactly one of ``run_id``/``race_id``). Only the
    SHA-256 of its token is kept: a copy of the database names no live link. Revoking
    deletes the row; the run's or race's deletion takes its links with it."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_runner_id", "runner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("runs.id", ondelete="CASCADE"))
    race_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("races.id", ondelete="CASCADE"))
    show_hr: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PrivacyZone(Base):
    """A place the runner named (home, work): a shared route's start and end inside its
    circle are hidden. Its coordinates are shown on the runner's own pages only."""

    __tablename__ = "privacy_zones"
    __table_args__ = (Index("ix_privacy_zones_runner_id", "runner_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(60))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius: Mapped[int] = mapped_column(Integer)  # metres, 100 to 1,000
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
