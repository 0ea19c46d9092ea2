from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.users import models as _users  # noqa: F401  (the foreign key's target table)
from runnerly_common.db import UTCDateTime, utcnow


class RunnerRecords(Base):
    """A runner's records panel as :func:`dataservice.stats.records.compute` answers it,
    rewritten in the transaction of every change to the runner's runs
    (:mod:`dataservice.stats.kept_records`), so that reading it is one primary-key lookup."""

    __tablename__ = "runner_records"

    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The panel's shape: a row of another version is computed again, not answered.
    version: Mapped[int] = mapped_column(Integer)
    panel: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
