"""A small Strava bulk export ("Download your account") for tests: the zip Strava sends, with
``activities.csv`` in Strava's own columns (some repeated, as Strava writes them),
``activities/`` holding each activity's file (``.gpx`` or gzipped ``.gpx.gz`` / ``.tcx.gz``),
and files Runnerly never reads beside them (``profile.csv``, ``media/``)."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

# Strava's header, in its order (Elapsed Time and Distance come twice: the summary's, in
# minutes/km as shown, then the raw values).
HEADER = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
    "Elevation Loss",
    "Media",
]

GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="StravaGPX" xmlns="http://www.topografix.com/GPX/1/1">
 <metadata><time>{start}</time></metadata>
 <trk><name>{name}</name><type>{kind}</type><trkseg>
{points}
 </trkseg></trk>
</gpx>
"""


@dataclass(frozen=True)
class Activity:
    """One activity of the export; ``suffix``: ``.gpx``, ``.gpx.gz`` or ``.tcx.gz``."""

    activity_id: int
    start: str  # ISO, UTC
    name: str
    kind: str = "Run"  # Activity Type as Strava writes it: Run, Trail Run, Ride...
    points: int = 120
    suffix: str = ".gpx"

    @property
    def filename(self) -> str:
        return f"activities/{self.activity_id}{self.suffix}"


def gpx_track(
    start: str,
    points: int,
    name: str = "Run",
    kind: str = "running",
    *,
    seconds: float | None = None,
    metres: float | None = None,
) -> bytes:
    """A run of ``points`` trackpoints at an even pace: 10 s and ~30 m apart (about 3 m/s),
    or lasting ``seconds`` over ``metres`` (a file of a given Strava activity)."""
    t0 = datetime.fromisoformat(start.replace("Z", "+00:00"))
    step_s = (seconds or 10.0 * (points - 1)) / (points - 1)
    step_deg = (metres or 30.0 * (points - 1)) / (points - 1) / 111_195.0  # metres a degree
    rows = []
    for i in range(points):
        when = (t0 + timedelta(seconds=step_s * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f'  <trkpt lat="{45.7600 + i * step_deg:.7f}" lon="4.8400">'
            f"<ele>{170 + i % 7}</ele><time>{when}</time></trkpt>"
        )
    return GPX.format(start=start, name=name, kind=kind, points="\n".join(rows)).encode()


def tcx_track(start: str, points: int) -> bytes:
    t0 = datetime.fromisoformat(start.replace("Z", "+00:00"))
    laps = []
    for i in range(points):
        when = (t0 + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        laps.append(
            f"<Trackpoint><Time>{when}</Time><Position><LatitudeDegrees>"
            f"{45.7600 + i * 0.00027:.6f}</LatitudeDegrees><LongitudeDegrees>4.84"
            f"</LongitudeDegrees></Position><DistanceMeters>{30.0 * i:.1f}</DistanceMeters>"
            "</Trackpoint>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f'<Id>{start}</Id><Lap StartTime="{start}"><Track>{"".join(laps)}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def _content(activity: Activity) -> bytes:
    if activity.suffix.startswith(".tcx"):
        data = tcx_track(activity.start, activity.points)
    else:
        kind = "running" if "Run" in activity.kind else activity.kind.lower()
        data = gpx_track(activity.start, activity.points, activity.name, kind)
    return gzip.compress(data, mtime=0) if activity.suffix.endswith(".gz") else data


def _row(activity: Activity) -> list[str]:
    start = datetime.fromisoformat(activity.start.replace("Z", "+00:00"))
    elapsed = 10 * (activity.points - 1)
    metres = 30.0 * (activity.points - 1)
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "Activity ID": str(activity.activity_id),
            "Activity Date": start.strftime("%b %-d, %Y, %-I:%M:%S %p"),
            "Activity Name": activity.name,
            "Activity Type": activity.kind,
            "Commute": "false",
            "Filename": activity.filename,
            "Moving Time": f"{elapsed:.1f}",
        }
    )
    values = [row[name] for name in HEADER]
    # The repeated columns: minutes and km first, then seconds and metres.
    values[HEADER.index("Elapsed Time")] = str(elapsed)
    values[HEADER.index("Distance")] = f"{metres / 1000:.2f}"
    values[len(HEADER) - 1 - HEADER[::-1].index("Elapsed Time")] = f"{elapsed:.1f}"
    values[len(HEADER) - 1 - HEADER[::-1].index("Distance")] = f"{metres:.1f}"
    return values


def strava_export(activities: list[Activity], *, extra: dict[str, bytes] | None = None) -> bytes:
    """The export's zip; ``extra``: more members, as named (hostile ones included)."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(HEADER)
    for activity in activities:
        writer.writerow(_row(activity))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", table.getvalue())
        archive.writestr("profile.csv", "Athlete ID,First Name,Last Name\n1,Ada,Runner\n")
        archive.writestr("media/cover.jpg", b"\xff\xd8\xff\xe0not-really-a-jpeg")
        for activity in activities:
            archive.writestr(activity.filename, _content(activity))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()
