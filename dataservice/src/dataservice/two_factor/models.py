from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow


class TwoFactor(Base):
    """A runner's TOTP secret: pending until a first code confirms it (``enabled_at``)."""

    __tablename__ = "two_factor"

    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Fernet token (DATASERVICE_STRAVA_TOKEN_KEYS) of the base32 secret: encrypted at rest.
    secret: Mapped[str] = mapped_column(Text)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step (unix time // 30) a code was accepted for: a code is good once.
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(Base):
    """One single-use recovery code, kept as its SHA-256 (the codes carry ~50 random bits,
    so a slow hash would add cost without adding safety)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
