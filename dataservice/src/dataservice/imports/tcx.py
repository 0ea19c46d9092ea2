"""Read a Garmin Training Center (TCX) file from the tree xmlsafe has already vetted.

No maintained TCX library is worth a dependency (the PyPI ones are unmaintained wrappers
around lxml), and the format is a plain tree: Activity > Lap > Track > Trackpoint. Reading
it from the defused tree means the bytes are parsed once, by a parser that refuses DTDs.
Elements are matched by local name, so files written with or without the namespace, or
with other prefixes, read the same.
"""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element

from .model import MAX_POINTS, FileRejected, RawActivity, Sample, short
from .xmlsafe import child, child_text, local_name


def parse_tcx(root: Element) -> RawActivity:
    """The samples and labels of the first activity in a TCX document.

    A TCX file may hold several activities (a history export); one upload is one run, so
    only the first is read. Courses (planned routes) have no activity and are refused.
    """
    activities = child(root, "Activities")
    activity = child(activities, "Activity") if activities is not None else None
    if activity is None:
        raise FileRejected("TCX: no activity in the file")
    raw = RawActivity("TCX", sport=activity.get("Sport"), description=child_text(activity, "Notes"))
    for element in activity.iter():
        if local_name(element.tag) != "Trackpoint":
            continue
        if len(raw.samples) == MAX_POINTS:
            raise FileRejected(f"TCX: too many track points (more than {MAX_POINTS:,})")
        raw.samples.append(_sample(element))
    return raw


def _sample(point: Element) -> Sample:
    position = child(point, "Position")
    heart_rate = child(point, "HeartRateBpm")
    return Sample(
        time=_time(child_text(point, "Time")),
        lat=_number(child_text(position, "LatitudeDegrees")) if position is not None else None,
        lon=_number(child_text(position, "LongitudeDegrees")) if position is not None else None,
        ele=_number(child_text(point, "AltitudeMeters")),
        hr=_number(child_text(heart_rate, "Value")) if heart_rate is not None else None,
        dist=_number(child_text(point, "DistanceMeters")),
    )


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise FileRejected(f"TCX: {short(text, 30)!r} is not a number") from None


def _time(text: str | None) -> dt.datetime | None:
    """An xsd:dateTime; one without a zone is taken as UTC, as TCX writers mean it."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FileRejected(f"TCX: {short(text, 40)!r} is not a date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
