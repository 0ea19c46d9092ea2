"""Read a GPX 1.0/1.1 file with gpxpy, after xmlsafe has vetted the bytes.

gpxpy is the maintained GPX library for Python (time formats, both schema versions,
extensions). It parses the text again with the standard library, which is safe only
because `xmlsafe.parse` has already refused any DTD. Three more guards sit around it:
- points are counted on the vetted tree, so a huge file is refused before gpxpy builds
  objects for it;
- every " xmlns" in the text must start a short namespace declaration, and a file may
  declare only a few namespaces: gpxpy scans the raw text with a regex that takes quadratic
  time on stray "xmlns" words, and registers each namespace it finds in ElementTree's
  process-wide prefix map;
- that map is restored after parsing, so uploads cannot grow the worker's memory.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx

from . import xmlsafe
from .model import MAX_POINTS, FileRejected, RawActivity, Sample, short

_HR_TAGS = {"hr", "heartrate", "heart_rate"}
MAX_NAMESPACES = 32
_XMLNS = re.compile(r"\sxmlns")
# What must follow " xmlns": an optional ":prefix", "=", and a quoted URI, all bounded.
_DECLARATION = re.compile(r"""(?::[\w.-]{1,100})?\s{0,20}=\s{0,20}(["'])[^"'<]{0,1000}\1""")


def count_points(root: Element) -> int:
    """Track points in the vetted tree; call it, then drop the tree before `parse_gpx`."""
    return sum(1 for element in root.iter() if xmlsafe.local_name(element.tag) == "trkpt")


def parse_gpx(content: bytes, point_count: int) -> RawActivity:
    """The samples and labels of a GPX file that xmlsafe accepted, holding `point_count` points.

    Taking the count rather than the tree lets the caller free the tree (hundreds of MB for
    the largest files) before gpxpy builds its own objects.
    """
    if point_count > MAX_POINTS:
        raise FileRejected(f"GPX: too many track points (more than {MAX_POINTS:,})")
    document = _parse_text(xmlsafe.decode(content, "GPX"))

    raw = RawActivity("GPX", title=document.name, description=document.description)
    for track in document.tracks:
        raw.title = raw.title or track.name
        raw.description = raw.description or track.description
        raw.sport = raw.sport or track.type
        for segment in track.segments:
            raw.samples.extend(_sample(point) for point in segment.points)
    return raw


def _parse_text(text: str) -> gpxpy.gpx.GPX:
    """gpxpy's GPX object for vetted text, behind the namespace guards described above."""
    declarations = set()
    for found in _XMLNS.finditer(text):
        declaration = _DECLARATION.match(text, found.end())
        if declaration is None:
            raise FileRejected("GPX: the text 'xmlns' appears outside a namespace declaration")
        declarations.add(declaration.group())
        if len(declarations) > MAX_NAMESPACES:
            raise FileRejected(f"GPX: more than {MAX_NAMESPACES} XML namespaces are declared")
    # ElementTree's private prefix registry (typeshed leaves it out).
    namespace_map: dict[str, str] = ElementTree._namespace_map  # type: ignore[attr-defined]
    saved = dict(namespace_map)
    try:
        return gpxpy.parse(text)
    except gpxpy.gpx.GPXException as err:
        raise FileRejected(f"GPX: invalid data ({short(err)})") from None
    finally:
        namespace_map.clear()
        namespace_map.update(saved)


def _sample(point: gpxpy.gpx.GPXTrackPoint) -> Sample:
    return Sample(
        time=point.time,
        lat=point.latitude,
        lon=point.longitude,
        ele=point.elevation,
        hr=_heart_rate(point.extensions),
    )


def _heart_rate(extensions: list[Element]) -> float | None:
    """HR from Garmin's TrackPointExtension (`gpxtpx:hr`) or the similar tags other apps use."""
    for extension in extensions:
        for element in extension.iter():
            if xmlsafe.local_name(element.tag).lower() in _HR_TAGS and element.text:
                try:
                    return float(element.text)
                except ValueError:
                    return None
    return None
