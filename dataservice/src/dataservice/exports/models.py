"""A runner's data export and its bytes, kept in the database (any node serves them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow

STATES = ("queued", "building", "ready", "failed", "expired")


class Export(Base):
    """The runner's export: at most one a runner (``runner_id`` is unique), so a second
    request while one builds finds it, and a new one replaces a finished one."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(12), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportChunk(Base):
    """The zip's bytes, ``seq`` 0, 1, 2... in order, each at most a few MiB (one request
    of the worker's upload; a download reads one at a time)."""

    __tablename__ = "export_chunks"

    export_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("exports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
