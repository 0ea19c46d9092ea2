"""Builders for activity files with known geometry, so results can be checked by hand.

Tracks run north along the meridian 7°E from 45°N: along a meridian the haversine distance
is exactly R·Δlat, so a point `dist` metres in sits at 45° + dist / METRES_PER_DEGREE.
Every file is written here, in the test, rather than kept as an opaque fixture file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pytest
from garmin_fit_sdk import Encoder, Profile

from dataservice.imports.track import EARTH_RADIUS_M

START = dt.datetime(2024, 5, 1, 7, 0, tzinfo=dt.UTC)
LAT0, LON0 = 45.0, 7.0
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True)
class Fix:
    """A point of a test track: `t` s after START, `dist` m north, `east` m off the line."""

    t: float
    dist: float
    ele: float | None = None
    hr: int | None = None
    east: float = 0.0
    timed: bool = True

    @property
    def lat(self) -> float:
        return LAT0 + self.dist / METRES_PER_DEGREE

    @property
    def lon(self) -> float:
        return LON0 + self.east / (METRES_PER_DEGREE * math.cos(math.radians(self.lat)))

    @property
    def time(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.t)


def steady(
    metres: float, speed: float, step: float = 10.0, t0: float = 0.0, d0: float = 0.0, **extra
) -> list[Fix]:
    """A point every `step` m at a constant `speed` m/s, starting at (t0, d0), end included."""
    count = round(metres / step)
    return [Fix(t0 + i * step / speed, d0 + i * step, **extra) for i in range(count + 1)]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def gpx_text(
    fixes: Iterable[Fix], *, name: str | None = None, kind: str | None = None, head: str = ""
) -> str:
    """A GPX 1.1 document with one track; HR goes in Garmin's TrackPointExtension."""
    points = []
    for fix in fixes:
        parts = [f'<trkpt lat="{fix.lat:.8f}" lon="{fix.lon:.8f}">']
        if fix.ele is not None:
            parts.append(f"<ele>{fix.ele}</ele>")
        if fix.timed:
            parts.append(f"<time>{iso(fix.time)}</time>")
        if fix.hr is not None:
            parts.append(
                "<extensions><gpxtpx:TrackPointExtension>"
                f"<gpxtpx:hr>{fix.hr}</gpxtpx:hr>"
                "</gpxtpx:TrackPointExtension></extensions>"
            )
        points.append("".join(parts) + "</trkpt>")
    labels = (f"<name>{escape(name)}</name>" if name else "") + (
        f"<type>{escape(kind)}</type>" if kind else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}\n'
        '<gpx version="1.1" creator="runnerly-tests" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        f"<trk>{labels}<trkseg>\n" + "\n".join(points) + "\n</trkseg></trk></gpx>\n"
    )


def tcx_text(
    fixes: Iterable[Fix], *, sport: str = "Running", notes: str | None = None, gps: bool = True
) -> str:
    """A TCX document with one activity and one lap; `gps=False` writes a treadmill file."""
    points = []
    for fix in fixes:
        parts = [f"<Trackpoint><Time>{iso(fix.time)}</Time>"]
        if gps:
            parts.append(
                f"<Position><LatitudeDegrees>{fix.lat:.8f}</LatitudeDegrees>"
                f"<LongitudeDegrees>{fix.lon:.8f}</LongitudeDegrees></Position>"
            )
        if fix.ele is not None:
            parts.append(f"<AltitudeMeters>{fix.ele}</AltitudeMeters>")
        parts.append(f"<DistanceMeters>{fix.dist}</DistanceMeters>")
        if fix.hr is not None:
            parts.append(f"<HeartRateBpm><Value>{fix.hr}</Value></HeartRateBpm>")
        points.append("".join(parts) + "</Trackpoint>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{iso(START)}</Id>'
        f'<Lap StartTime="{iso(START)}"><Track>\n'
        + "\n".join(points)
        + "\n</Track></Lap>"
        + (f"<Notes>{escape(notes)}</Notes>" if notes else "")
        + "</Activity></Activities></TrainingCenterDatabase>\n"
    )


def fit_bytes(
    fixes: list[Fix], *, sport: str = "running", sub_sport: str = "generic", gps: bool = True
) -> bytes:
    """A FIT activity built with Garmin's encoder: file_id, one record per fix, a session."""
    semicircles = 2**31 / 180
    encoder = Encoder()
    mesg = Profile["mesg_num"]
    encoder.on_mesg(
        mesg["FILE_ID"],
        {"type": "activity", "manufacturer": "development", "product": 1, "time_created": START},
    )
    for fix in fixes:
        record: dict[str, object] = {"timestamp": fix.time, "distance": fix.dist}
        if gps:
            record["position_lat"] = round(fix.lat * semicircles)
            record["position_long"] = round(fix.lon * semicircles)
        if fix.ele is not None:
            record["enhanced_altitude"] = fix.ele
        if fix.hr is not None:
            record["heart_rate"] = fix.hr
        encoder.on_mesg(mesg["RECORD"], record)
    encoder.on_mesg(
        mesg["SESSION"],
        {
            "timestamp": fixes[-1].time,
            "start_time": START,
            "sport": sport,
            "sub_sport": sub_sport,
            "total_elapsed_time": fixes[-1].t,
            "total_distance": fixes[-1].dist,
        },
    )
    return encoder.close()


class Builders:
    """What the `files` fixture hands a test: the track and file builders above."""

    Fix = Fix
    START = START
    steady = staticmethod(steady)
    gpx_text = staticmethod(gpx_text)
    tcx_text = staticmethod(tcx_text)
    fit = staticmethod(fit_bytes)

    @staticmethod
    def gpx(fixes: Iterable[Fix], **labels: str) -> bytes:
        return gpx_text(fixes, **labels).encode()

    @staticmethod
    def tcx(fixes: Iterable[Fix], **options: object) -> bytes:
        return tcx_text(fixes, **options).encode()  # type: ignore[arg-type]


@pytest.fixture
def files() -> type[Builders]:
    """Builders for tracks (`files.steady`, `files.Fix`) and files (`files.gpx/tcx/fit`)."""
    return Builders
