"""Activity-file import: a GPX, TCX or FIT file becomes a run, as pure functions.

No database and no Flask here: the HTTP layer limits the upload's size, calls
`parse_activity`, and turns `FileRejected.problem` into a 422 JSON error. Any DTD, entity or
external reference in XML is refused before it can be resolved (see `xmlsafe`).
"""

from __future__ import annotations

from . import xmlsafe
from .detect import extension_label, gunzip, is_fit, xml_label
from .fit import parse_fit
from .gpx import count_points, parse_gpx
from .model import (
    BEST_EFFORT_DISTANCES,
    MAX_POINTS,
    FileRejected,
    ParsedActivity,
    RawActivity,
    TrackPoint,
)
from .summary import summarize
from .tcx import parse_tcx

__all__ = [
    "BEST_EFFORT_DISTANCES",
    "MAX_POINTS",
    "FileRejected",
    "ParsedActivity",
    "TrackPoint",
    "parse_activity",
]


def parse_activity(filename: str, content: bytes) -> ParsedActivity:
    """The run recorded in an uploaded GPX, TCX or FIT file (optionally gzipped).

    The content decides the format; the file name only helps name the problem when the
    content is unreadable. Raises FileRejected with a problem safe to show the user.
    """
    if not content.strip():
        raise FileRejected("file is empty")
    content = gunzip(content)
    if not content.strip():
        raise FileRejected("file is empty")
    return summarize(_read(filename, content))


def _read(filename: str, content: bytes) -> RawActivity:
    if is_fit(content):
        return parse_fit(content)
    if xmlsafe.looks_like_xml(content):
        root = xmlsafe.parse(content, xml_label(filename, content))
        kind = xmlsafe.local_name(root.tag)
        if kind == "gpx":
            point_count = count_points(root)
            del root  # gpxpy reads the text again; keeping both trees would double the memory
            return parse_gpx(content, point_count)
        if kind == "TrainingCenterDatabase":
            return parse_tcx(root)
        raise FileRejected(f"not a GPX, TCX or FIT file (XML root element is {kind[:40]!r})")
    if extension_label(filename) == "FIT":
        # Named .fit but without the signature: too short to hold one, or not FIT at all.
        raise FileRejected(
            "FIT: the file is truncated"
            if len(content) < 12
            else "FIT: the file header is not valid"
        )
    raise FileRejected("not a GPX, TCX or FIT file")
