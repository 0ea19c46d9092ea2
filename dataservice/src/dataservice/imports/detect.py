"""Which format a file is in, decided from its content with the file name as a hint.

Users rename files and browsers send odd names, so the bytes decide: a FIT file carries
".FIT" at bytes 8..12, and an XML file's root element is `gpx` or `TrainingCenterDatabase`.
The extension only names the format in problems about a file that cannot be read at all.
Strava's bulk export gzips every file (`.fit.gz`, `.gpx.gz`), so gzip is opened here too,
with a cap on the inflated size so a small "zip bomb" cannot exhaust memory.
"""

from __future__ import annotations

import zlib
from pathlib import PurePath

from .model import FileRejected

MAX_INFLATED_BYTES = 128 * 1024 * 1024
"""Largest decompressed file accepted: a 200,000-point GPX with extensions is about 50 MB."""

_GZIP_MAGIC = b"\x1f\x8b"
_LABELS = {".gpx": "GPX", ".tcx": "TCX", ".fit": "FIT"}


def extension_label(filename: str) -> str | None:
    """ "GPX", "TCX" or "FIT" from the name, ignoring a trailing ".gz"; None otherwise."""
    path = PurePath(filename or "")
    if path.suffix.lower() == ".gz":
        path = PurePath(path.stem)
    return _LABELS.get(path.suffix.lower())


def is_fit(content: bytes) -> bool:
    """The FIT signature: the ASCII ".FIT" at bytes 8..12 of the file header."""
    return content[8:12] == b".FIT"


def xml_label(filename: str, content: bytes) -> str:
    """The label for problems found while parsing XML, before its root element is known."""
    label = extension_label(filename)
    if label in ("GPX", "TCX"):
        return label
    head = content[:4096]
    if b"<gpx" in head:
        return "GPX"
    if b"<TrainingCenterDatabase" in head:
        return "TCX"
    return "XML"


def gunzip(content: bytes) -> bytes:
    """The content inflated if it is gzip, else unchanged."""
    if not content.startswith(_GZIP_MAGIC):
        return content
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, MAX_INFLATED_BYTES)
    except zlib.error:
        raise FileRejected("gzip: the compressed data is corrupted") from None
    if inflater.unconsumed_tail:
        limit = MAX_INFLATED_BYTES // (1024 * 1024)
        raise FileRejected(f"gzip: the file is larger than {limit} MB once decompressed")
    if not inflater.eof:
        raise FileRejected("gzip: the file is truncated")
    return data
