from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign key's target table)
from runnerly_common.db import UTCDateTime, utcnow

REPORT_DAY_MIN, REPORT_DAY_MAX = 1, 28  # a day every month has


class EmailPreferences(Base):
    """Which optional mail a runner wants, and the token of their one-click unsubscribe
    link (RFC 8058).  A runner without a row has the defaults; the row is made the first
    time it is read (``email_preferences.service.preferences``)."""

    __tablename__ = "email_preferences"
    __table_args__ = (
        CheckConstraint(
            f"report_day BETWEEN {REPORT_DAY_MIN} AND {REPORT_DAY_MAX}", name="report_day"
        ),
    )

    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    monthly_report: Mapped[bool] = mapped_column(Boolean, default=True)
    # The day of the month (the runner's local calendar) the previous month's report is due.
    report_day: Mapped[int] = mapped_column(Integer, default=REPORT_DAY_MIN)
    # Random (256 bits), stored as it is sent: the worker writes it into each mail, and it
    # can do no more than switch optional mail off or on (docs/decisions.md, 56).
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
