"""Assemble a ParsedActivity from what a parser read: the one place every format meets."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polyline

from . import totals
from .efforts import best_efforts
from .model import ParsedActivity, RawActivity, TrackPoint
from .sport import sport_type
from .track import build_track
from .zone import zone_at

POLYLINE_POINTS = 500
"""The summary map needs a shape, not every fix: ~500 points keep the string a few KB."""

TITLE_LENGTH = 255
DESCRIPTION_LENGTH = 10_000

_FOOT_SPEED_LIMIT = 12.5  # m/s, above Usain Bolt's top speed
_OTHER_SPEED_LIMIT = 60.0  # m/s, above any downhill ride or ski run
_ON_FOOT = {"Run", "TrailRun", "Walk", "Hike", "Swim"}


def summarize(raw: RawActivity) -> ParsedActivity:
    """The run `raw` describes, with every figure computed from its track."""
    sport = sport_type(raw.sport, raw.sub_sport)
    spike_speed = _FOOT_SPEED_LIMIT if sport in _ON_FOOT else _OTHER_SPEED_LIMIT
    start, points = build_track(raw.samples, raw.file_format, spike_speed)
    moving = totals.moving_time(points)
    distance = points[-1].dist
    average_hr, max_hr = totals.heart_rate(points)
    gain = totals.elevation_gain(points)
    return ParsedActivity(
        start_time=start,
        sport_type=sport,
        title=_text(raw.title, TITLE_LENGTH),
        description=_text(raw.description, DESCRIPTION_LENGTH),
        distance=round(distance, 1),
        moving_time=round(moving),
        elapsed_time=round(points[-1].t - points[0].t),
        average_speed=round(distance / moving, 3) if moving else 0.0,
        max_speed=round(totals.max_speed(points), 3),
        average_hr=None if average_hr is None else round(average_hr, 1),
        max_hr=max_hr,
        elevation_gain=None if gain is None else round(gain, 1),
        points=tuple(points),
        polyline=encode_polyline(points),
        best_efforts=best_efforts(points),
        file_format=raw.file_format.lower(),
        timezone=zone_at(points),
        utc_offset=raw.utc_offset,
    )


def encode_polyline(points: Sequence[TrackPoint], limit: int = POLYLINE_POINTS) -> str | None:
    """Google encoded polyline (precision 5) of at most `limit` evenly spaced positions.

    The first and last positions are always kept, so the map starts and ends where the run
    did. None when the track has no positions (indoor activities).
    """
    coords = [(p.lat, p.lon) for p in points if p.lat is not None and p.lon is not None]
    if not coords:
        return None
    if len(coords) > limit:
        step = math.ceil((len(coords) - 1) / (limit - 1))
        coords = [*coords[:-1:step], coords[-1]]
    return polyline.encode(coords, 5)


def _text(value: str | None, limit: int) -> str | None:
    """Stripped and cut to the column's length; None when blank."""
    text = (value or "").strip()
    return text[:limit] or None
