from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dataservice.models import Base, BigId
from dataservice.runs import models as _runs  # noqa: F401  (the foreign keys' target tables)


class RunLoad(Base):
    """One run's training load (``training.load``), and what it was computed from, so that
    a refresh recomputes only the loads whose inputs changed (``training.kept``)."""

    __tablename__ = "run_loads"
    __table_args__ = (Index("ix_run_loads_runner_day", "runner_id", "day"),)

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    runner_id: Mapped[int] = mapped_column(BigId)  # the run's, as best_efforts keep it
    day: Mapped[date] = mapped_column(Date)  # the run's local day
    counted: Mapped[bool] = mapped_column(Boolean)  # runs.counted: it feeds the days
    load: Mapped[float | None] = mapped_column(Float)
    # "hr_stream", "hr_average", "pace"; "none" when nothing gives a load (the reason is
    # read from the method and the profile, training.kept.reason).
    method: Mapped[str] = mapped_column(String(12))
    # The inputs the load was computed from (training.kept.basis).
    basis: Mapped[str] = mapped_column(String(200))


class TrainingDay(Base):
    """A runner's load, fitness, fatigue and form on one local day, every day from their
    first day with a load to their last (days after it only decay: computed on read)."""

    __tablename__ = "training_days"

    runner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    load: Mapped[float] = mapped_column(Float)
    fitness: Mapped[float] = mapped_column(Float)
    fatigue: Mapped[float] = mapped_column(Float)
    form: Mapped[float] = mapped_column(Float)
