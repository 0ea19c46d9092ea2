"""A GPX 1.1 file built from a Strava run's activity streams (the run came without a file).

Positions and times from ``latlng`` and ``time``, elevation from ``altitude``, heart rate
and cadence as Garmin's TrackPointExtension v1 (``gpxtpx:hr``, ``gpxtpx:cad``): the
extension every GPX reader of running data knows (Strava, Garmin Connect, our importer).
A stream without positions gives no GPX: a track point must have them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

GPX_NS = "http://www.topografix.com/GPX/1/1"
TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_SCHEMAS = (
    f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd "
    f"{TPX_NS} http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"
)


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def from_streams(
    streams: dict[str, list[Any]], start: datetime, title: str, sport: str
) -> bytes | None:
    """The GPX of these streams (``start``: the run's UTC start, which ``time`` counts
    from), or None when they hold no positions."""
    latlng, times = streams.get("latlng"), streams.get("time")
    if not latlng or not times:
        return None
    altitude, hr, cadence = (streams.get(k) for k in ("altitude", "heartrate", "cadence"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gpx version="1.1" creator="Runnerly" xmlns="{GPX_NS}" xmlns:gpxtpx="{TPX_NS}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{_SCHEMAS}">',
        f"<metadata><name>{escape(title)}</name><time>{_instant(start)}</time></metadata>",
        f"<trk><name>{escape(title)}</name><type>{escape(sport)}</type><trkseg>",
    ]
    for i, point in enumerate(latlng):
        if not point or point[0] is None or point[1] is None:
            continue
        lat, lon = point
        parts = [f"<trkpt lat={quoteattr(f'{lat:.6f}')} lon={quoteattr(f'{lon:.6f}')}>"]
        if altitude and altitude[i] is not None:
            parts.append(f"<ele>{_number(altitude[i])}</ele>")
        parts.append(f"<time>{_instant(start + timedelta(seconds=times[i]))}</time>")
        extension = ""
        if hr and hr[i] is not None:
            extension += f"<gpxtpx:hr>{round(hr[i])}</gpxtpx:hr>"
        if cadence and cadence[i] is not None:
            extension += f"<gpxtpx:cad>{round(cadence[i])}</gpxtpx:cad>"
        if extension:
            parts.append(
                "<extensions><gpxtpx:TrackPointExtension>"
                f"{extension}</gpxtpx:TrackPointExtension></extensions>"
            )
        parts.append("</trkpt>")
        lines.append("".join(parts))
    lines.append("</trkseg></trk></gpx>")
    return ("\n".join(lines) + "\n").encode()
