"""The simulator's tables: everything lives here, so every gunicorn worker shares it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runnerly_common.db import UTCDateTime


class Base(DeclarativeBase):
    pass


class Athlete(Base):
    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    firstname: Mapped[str] = mapped_column(String(60))
    lastname: Mapped[str] = mapped_column(String(60))
    city: Mapped[str] = mapped_column(String(60))
    country: Mapped[str] = mapped_column(String(60))
    sex: Mapped[str] = mapped_column(String(1))
    weight: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_athlete_start", "athlete_id", "start_ts"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    sport_type: Mapped[str] = mapped_column(String(30))
    start_ts: Mapped[int] = mapped_column(BigInteger)  # epoch seconds: cheap to filter and page
    utc_offset: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(60))
    distance: Mapped[float] = mapped_column(Float)
    moving_time: Mapped[int] = mapped_column(Integer)
    elapsed_time: Mapped[int] = mapped_column(Integer)
    total_elevation_gain: Mapped[float] = mapped_column(Float)
    elev_low: Mapped[float | None] = mapped_column(Float)
    elev_high: Mapped[float | None] = mapped_column(Float)
    max_speed: Mapped[float] = mapped_column(Float)
    average_heartrate: Mapped[float | None] = mapped_column(Float)
    max_heartrate: Mapped[float | None] = mapped_column(Float)
    average_cadence: Mapped[float | None] = mapped_column(Float)
    start_lat: Mapped[float | None] = mapped_column(Float)
    start_lng: Mapped[float | None] = mapped_column(Float)
    end_lat: Mapped[float | None] = mapped_column(Float)
    end_lng: Mapped[float | None] = mapped_column(Float)
    summary_polyline: Mapped[str | None] = mapped_column(Text)
    trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    commute: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    workout_type: Mapped[int | None] = mapped_column(Integer)
    gear_id: Mapped[str | None] = mapped_column(String(30))
    external_id: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Gear(Base):
    """An athlete's shoes or bike, as ``GET /gear/{id}`` shows them (DetailedGear).  Strava's
    ids are "g" (shoes) or "b" (bikes) and digits; its distance is summed from the athlete's
    activities with that ``gear_id`` when asked, as Strava's follows them."""

    __tablename__ = "gear"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    brand_name: Mapped[str | None] = mapped_column(String(100))
    model_name: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255))
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    frame_type: Mapped[int | None] = mapped_column(Integer)  # bikes only


class Authorization(Base):
    """One athlete's grant to one application: the current refresh token and scope."""

    __tablename__ = "authorizations"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    refresh_token: Mapped[str] = mapped_column(String(64), unique=True)


class AccessToken(Base):
    """Older access tokens stay valid until they expire, as at Strava."""

    __tablename__ = "access_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[int] = mapped_column(BigInteger)


class AuthCode(Base):
    __tablename__ = "auth_codes"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[int] = mapped_column(BigInteger)


class RateUsage(Base):
    """Per application: the current short window and day, and their counts."""

    __tablename__ = "rate_usage"

    client_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    short_start: Mapped[int] = mapped_column(BigInteger)
    short_count: Mapped[int] = mapped_column(Integer)
    day_start: Mapped[int] = mapped_column(BigInteger)
    day_count: Mapped[int] = mapped_column(Integer)


class Controls(Base):
    """The runtime switches (one row): limits, windows, faults and the list order, shared
    by all workers.  Columns added later are added to an older database at start-up
    (see ``schema.add_missing_columns``), so give each a server default."""

    __tablename__ = "controls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rate_limit_15min: Mapped[int] = mapped_column(Integer)
    rate_limit_daily: Mapped[int] = mapped_column(Integer)
    rate_limit_overall_15min: Mapped[int] = mapped_column(Integer)
    rate_limit_overall_daily: Mapped[int] = mapped_column(Integer)
    rate_window_seconds: Mapped[int] = mapped_column(Integer)
    rate_day_seconds: Mapped[int] = mapped_column(Integer)
    error_rate: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    fault_seed: Mapped[int] = mapped_column(Integer, default=0)
    fault_counter: Mapped[int] = mapped_column(BigInteger, default=0)
    list_order: Mapped[str] = mapped_column(String(10), server_default="strava")
    drop_events: Mapped[bool] = mapped_column(Boolean, server_default=false())
    lose_refresh_answers: Mapped[int] = mapped_column(Integer, server_default="0")


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, unique=True)
    callback_url: Mapped[str] = mapped_column(String(500))
    verify_token: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
