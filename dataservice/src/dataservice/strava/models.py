from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow


class StravaLink(Base):
    __tablename__ = "strava_links"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    athlete_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # Fernet tokens: encrypted at rest with DATASERVICE_STRAVA_TOKEN_KEYS.
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scopes: Mapped[str] = mapped_column(String(255), default="")
    # Sync progress, written by the worker and shown by the web app.
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A backfill pages from the newest activity back: what is older than this is still due.
    backfill_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where Strava serves pages oldest first, a backfill also still has to fetch what
    # started after this, from page ``backfill_page`` on.
    backfill_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    backfill_page: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # When the last reconciliation of the recent weeks (late uploads, silent edits) ended.
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_state: Mapped[str] = mapped_column(String(16), default="pending")
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    runs_imported: Mapped[int] = mapped_column(Integer, default=0)
    sync_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
