from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from runnerly_common.db import UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"
    # A deleted runner's id is never given again, so that a token or session naming it
    # cannot reach a newer account: SQLite otherwise reuses the highest rowid (PostgreSQL's
    # sequence never goes back).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    # Lower-cased email: uniqueness is case-insensitive on every backend.
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    age: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[float | None] = mapped_column(Float)  # kg
    max_hr: Mapped[int | None] = mapped_column(Integer)
    rest_hr: Mapped[int | None] = mapped_column(Integer)
    vo2max: Mapped[float | None] = mapped_column(Float)
    # Seconds a km at lactate threshold, when the runner knows it (training.load).
    threshold_pace: Mapped[int | None] = mapped_column(Integer)
    units: Mapped[str] = mapped_column(String(8), default="metric")
    # IANA name: the runner's days, weeks and months, and the zone of runs that carry none.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
