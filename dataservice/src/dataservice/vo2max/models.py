from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.runs import models as _runs  # noqa: F401  (the foreign key's target table)


class RunVdot(Base):
    """A counted running run's VDOT (:mod:`dataservice.vo2max.estimate`), rewritten in the
    transaction of every change to its runner's runs or heart rates
    (:mod:`dataservice.vo2max.kept`), so that a trend reads one index range."""

    __tablename__ = "run_vdots"
    __table_args__ = (Index("ix_run_vdots_runner_day", "runner_id", "day"),)

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    # The run's runner, copied so that a trend is read by one index (as best_efforts does);
    # run_id's foreign key deletes the row with the run.
    runner_id: Mapped[int] = mapped_column(BigId)
    day: Mapped[date] = mapped_column(Date)  # the run's local day (start_local)
    duration: Mapped[int] = mapped_column(Integer)  # moving seconds: the trend's weight
    vdot: Mapped[float] = mapped_column(Float)  # what the runner sees
    by_time: Mapped[float | None] = mapped_column(Float)  # best effort's, when any
    effort_distance: Mapped[int | None] = mapped_column(Integer)
    by_hr: Mapped[float | None] = mapped_column(Float)  # uncorrected heart-rate estimate
    factor: Mapped[float] = mapped_column(Float)  # the correction factor applied to by_hr
