from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dataservice.gear import models as _gear  # noqa: F401  (runs.gear_id's target table)
from dataservice.models import Base, BigId
from dataservice.runs.local_time import default_start_local
from dataservice.users import models as _users  # noqa: F401  (the foreign keys' target table)
from runnerly_common.db import UTCDateTime, utcnow

SOURCES = ("strava", "file", "manual")
# Personal-record distances in metres (the mile, half and full marathon rounded down to
# the metre).
RECORD_DISTANCES = (400, 1000, 1609, 5000, 10000, 21097, 42195)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("runner_id", "source", "external_id", name="uq_runs_identity"),
        # Month lists, date ranges and every total read a runner's runs by start time.
        Index("ix_runs_runner_start", "runner_id", "start_time"),
        # Days, weeks, months and years are the runner's local ones: they read start_local.
        Index("ix_runs_runner_local", "runner_id", "start_local"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    # The wall-clock start where the run was run (naive): start_time + utc_offset.  Stored,
    # not converted per query, so that a month is one index range (docs/decisions.md).
    start_local: Mapped[datetime] = mapped_column(DateTime, default=default_start_local)
    utc_offset: Mapped[int | None] = mapped_column(Integer)  # seconds east of UTC
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name, when known
    distance: Mapped[float] = mapped_column(Float)
    moving_time: Mapped[int] = mapped_column(Integer)
    elapsed_time: Mapped[int] = mapped_column(Integer)
    average_speed: Mapped[float | None] = mapped_column(Float)
    max_speed: Mapped[float | None] = mapped_column(Float)
    average_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    elevation_gain: Mapped[float | None] = mapped_column(Float)
    sport_type: Mapped[str] = mapped_column(String(32))
    polyline: Mapped[str | None] = mapped_column(Text)
    # Digest of what the source last sent (not of the row, which local edits change): a
    # re-sent identical run is recognised as unchanged.
    content_hash: Mapped[str] = mapped_column(String(32))
    # What the runner sets here only (runs.edits): "race", "long_run", "workout"; null for
    # an ordinary run.
    workout_type: Mapped[str | None] = mapped_column(String(16))
    # Left out of every statistic (runs.counted); server default: COPY fills it for new runs.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The source's fields the runner changed here: a later sync leaves them as they are.
    edited_fields: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set on a run found to be the same effort as another (``runs.merges``): the kept run
    # shows it and it counts nowhere.  SET NULL: when the kept run goes (deleted on Strava),
    # this one counts again rather than vanishing with it.
    merged_into: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )

    # The shoes it was run in (decision 64): from Strava's gear_id, the runner's default pair
    # for a file, or the runner's choice.  SET NULL: only a pair no run wears can be deleted
    # (gear.service), this is for the runner's account going.
    gear_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("gear.id", ondelete="SET NULL"), index=True
    )

    track: Mapped[RunTrack | None] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )


class RunTrack(Base):
    """The recorded points of a run (from a file), kept apart so run lists stay light."""

    __tablename__ = "run_tracks"

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    # [[t, lat, lon, ele, hr, dist], ...]: seconds from start, degrees, m, bpm, cumulative m
    points: Mapped[list[list[float | None]]] = mapped_column(JSON)
    original_filename: Mapped[str | None] = mapped_column(String(255))

    run: Mapped[Run] = relationship(back_populates="track")


class RunFile(Base):
    """The file a run was imported from, byte for byte, so that an export gives it back.

    Apart from the track (and without a relationship on Run) so that neither run lists nor
    tracks ever load the bytes.  XML is stored gzip-compressed (``encoding``): a GPX
    shrinks about tenfold; ``size`` and ``sha256`` are the original's.
    """

    __tablename__ = "run_files"

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(8))  # "identity" or "gzip"
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BestEffort(Base):
    """The fastest time a run holds over a record distance: from its track, or the whole
    run when it was about that long.  Personal records are the minimum per distance."""

    __tablename__ = "best_efforts"
    __table_args__ = (Index("ix_best_efforts_runner_distance", "runner_id", "distance", "elapsed"),)

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    distance: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The run's runner, copied so records are read by one index.  No foreign key of its own:
    # run_id's already ties the effort to the runner (and deletes it with the run), and a
    # second check per effort was a sixth of a bulk insert's time in PostgreSQL.
    runner_id: Mapped[int] = mapped_column(BigId)
    elapsed: Mapped[float] = mapped_column(Float)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)  # the run's, for monthly records
    # "stream", "track", "strava", "whole" or "pace" (at the pace of a longer effort of the
    # same run: dataservice.runs.efforts)
    origin: Mapped[str] = mapped_column(String(8))


class RunStream(Base):
    """A Strava run's activity streams, or the note that Strava has none for it (a manual
    entry): ``data`` is then null.  One row per run fetched, so "which runs still need
    their streams" is an anti-join and the progress a count.

    ``data`` is compact: zlib of the JSON object {key: [values]} (``runs.streams``),
    values rounded to what the sensors resolve: about 40 KB for an hour at a point a second
    with every key (benchmarks/streams/).
    """

    __tablename__ = "run_streams"

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeletedActivity(Base):
    """A Strava run its runner deleted: a later sync (a listing, a reconciliation, an event)
    must not bring it back.  Its key is a run's key; the runner's account owns it."""

    __tablename__ = "deleted_activities"
    __table_args__ = (
        UniqueConstraint("runner_id", "source", "external_id", name="uq_deleted_identity"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    runner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RunSplit(Base):
    """Two runs their runner split apart (or merged by hand and split again): the duplicate
    detector never merges this pair again.  ``run_id`` is the smaller id of the two."""

    __tablename__ = "run_splits"

    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
