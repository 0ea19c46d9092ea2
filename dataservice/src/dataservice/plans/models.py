from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dataservice.models import Base, BigId
from dataservice.races import models as _races  # noqa: F401  (the foreign keys' target tables)
from runnerly_common.db import UTCDateTime, utcnow

WORKOUT_KINDS = ("easy", "long", "tempo", "intervals", "recovery", "race", "rest", "cross")


class Plan(Base):
    """A training plan toward one race: weeks of planned workouts."""

    __tablename__ = "plans"
    __table_args__ = (
        Index("ix_plans_runner", "runner_id"),
        # One plan toward a race: generating again replaces it (migration 0011).
        Index("uq_plans_race", "race_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    race_id: Mapped[int] = mapped_column(BigId, ForeignKey("races.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)  # a Monday: weeks count from it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    workouts: Mapped[list[PlanWorkout]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanWorkout.date",
    )


class PlanWorkout(Base):
    """One workout of a plan: a day's run, rest or race (the API's ``session``).  The
    table keeps its older name: renaming it is not worth a migration."""

    __tablename__ = "plan_sessions"
    __table_args__ = (Index("ix_plan_sessions_plan_date", "plan_id", "date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(BigId, ForeignKey("plans.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    distance: Mapped[float | None] = mapped_column(Float)  # metres
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    target_pace: Mapped[float | None] = mapped_column(Float)  # seconds per km
    notes: Mapped[str | None] = mapped_column(String(500))
    # The runner's own changes (migration 0011): a skipped workout stays in the plan,
    # shown as skipped rather than missed; ``moved_from`` is the day the plan had it on;
    # ``edited`` says the runner changed what it asks (kind, distance, pace, notes).
    skipped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # ``dt.date``: ``date`` is a column of this class.
    moved_from: Mapped[dt.date | None] = mapped_column(Date)
    edited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    plan: Mapped[Plan] = relationship(back_populates="workouts")
