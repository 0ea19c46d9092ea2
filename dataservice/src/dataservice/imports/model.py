"""The values the import passes around, and the one error it raises.

Parsers turn a file into a `RawActivity` (what the file says, unchecked); `summary` turns that
into a `ParsedActivity` (what Runnerly stores). Keeping the two apart means every format gets
the same validation, limits and statistics, and a parser stays a thin mapping of its format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_POINTS = 200_000
"""Most track points a file may hold: far above a day-long 1 s recording (86,400 points)."""

BEST_EFFORT_DISTANCES = (400, 1000, 1609, 5000, 10000, 21097, 42195)
"""Distances (m) whose fastest time is searched in a track (the record distances of
``dataservice.runs.models.RECORD_DISTANCES``, kept equal by a test): 400 m, 1 km, 1 mile,
5 km, 10 km, half, full."""


class FileRejected(Exception):
    """The file cannot become a run; `problem` says why, in words safe to show its owner.

    The problem never quotes more than a short fragment of the file, so it can go straight
    into a 422 JSON body or a log line.
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def short(text: object, limit: int = 80) -> str:
    """A one-line excerpt of `text`, for naming a bad value without echoing a large file."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Sample:
    """One track point as a file states it; any value may be missing."""

    time: dt.datetime | None
    lat: float | None = None
    lon: float | None = None
    ele: float | None = None
    hr: float | None = None
    dist: float | None = None  # cumulative distance recorded by the device (m)


@dataclass(slots=True)
class RawActivity:
    """What a parser read: the samples in file order plus the file's own labels."""

    file_format: str  # "GPX", "TCX" or "FIT": prefixes every problem about this file
    samples: list[Sample] = field(default_factory=list)
    sport: str | None = None
    sub_sport: str | None = None
    title: str | None = None
    description: str | None = None
    # The file's own local time minus UTC, in seconds (FIT's local_timestamp), if it says.
    utc_offset: int | None = None


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """A cleaned track point: `t` seconds from the start, `dist` cumulative metres.

    `lat`/`lon` are None where the file had no usable position (indoor recordings, or a
    GPS spike that was discarded); `dist` then comes from the device or stays put.
    """

    t: float
    lat: float | None
    lon: float | None
    ele: float | None
    hr: int | None
    dist: float


@dataclass(frozen=True)
class ParsedActivity:
    """A run computed from an activity file, in the units of the runs table."""

    start_time: dt.datetime  # aware, UTC
    sport_type: str  # Strava-style: "Run", "TrailRun", "Walk", "Hike", "Ride", "Swim", ...
    title: str | None
    description: str | None
    distance: float  # m
    moving_time: int  # s
    elapsed_time: int  # s
    average_speed: float  # m/s over moving time
    max_speed: float  # m/s over a sliding window, so one GPS glitch cannot set it
    average_hr: float | None
    max_hr: int | None
    elevation_gain: float | None  # m; None when the file has no elevation
    points: tuple[TrackPoint, ...]
    polyline: str | None  # Google encoded polyline (precision 5); None without positions
    best_efforts: dict[int, float]  # distance (m) -> fastest elapsed seconds within the track
    file_format: str  # "gpx", "tcx" or "fit"
    timezone: str | None = None  # IANA zone of the track's first position
    utc_offset: int | None = None  # seconds, from the file's own local time (FIT)
