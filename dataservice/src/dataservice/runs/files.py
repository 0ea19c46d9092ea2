"""The original files runs were imported from: kept with the run, given back as they came."""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import PureWindowsPath

from sqlalchemy.orm import Session

from dataservice.errors import not_found
from dataservice.imports.detect import is_fit
from dataservice.runs.models import Run, RunFile

GPX, TCX, FIT = "application/gpx+xml", "application/vnd.garmin.tcx+xml", "application/vnd.ant.fit"
GZIP = "application/gzip"
MEDIA_TYPES = (GPX, TCX, FIT, GZIP)
_EXTENSIONS = {GPX: ".gpx", TCX: ".tcx", FIT: ".fit", GZIP: ".gz"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class OriginalFile:
    run_id: int
    filename: str
    media_type: str
    content: bytes


def keep(session: Session, run: Run, filename: str, content: bytes) -> RunFile:
    """Store ``content`` as ``run``'s original, unless the run already has one (a file
    imported again keeps its first name: it is the same file)."""
    existing = session.get(RunFile, run.id)
    if existing is not None:
        return existing
    stored, encoding = content, "identity"
    if not content.startswith(b"\x1f\x8b") and not is_fit(content):
        packed = gzip.compress(content, compresslevel=6, mtime=0)
        if len(packed) < len(content):
            stored, encoding = packed, "gzip"
    row = RunFile(
        run_id=run.id,
        filename=filename[:255],
        media_type=media_type(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        encoding=encoding,
        content=stored,
    )
    session.add(row)
    session.flush()
    return row


def original(session: Session, run: Run) -> OriginalFile:
    """The run's file as it was uploaded; 404 for a run that came without one."""
    row = session.get(RunFile, run.id)
    if row is None:
        raise not_found(f"original file of run {run.id}")
    content = gzip.decompress(row.content) if row.encoding == "gzip" else row.content
    return OriginalFile(
        run.id, safe_filename(row.filename, row.media_type, run.id), row.media_type, content
    )


def has_original(session: Session, run_id: int) -> bool:
    return session.get(RunFile, run_id) is not None


def media_type(content: bytes) -> str:
    """What the import read the content as (it has been parsed successfully by now)."""
    if content.startswith(b"\x1f\x8b"):
        return GZIP
    if is_fit(content):
        return FIT
    return TCX if b"<TrainingCenterDatabase" in content[:4096] else GPX


def safe_filename(filename: str, media: str, run_id: int) -> str:
    """A name safe in a Content-Disposition header and in a zip: the base name (browsers
    may send a Windows path) in plain ASCII, never empty, never hidden."""
    base = PureWindowsPath(filename or "").name  # splits on both / and \
    cleaned = _UNSAFE.sub("_", base).strip("._")[:120]
    if not cleaned or "." not in cleaned:
        cleaned = f"run-{run_id}{_EXTENSIONS.get(media, '.bin')}"
    return cleaned
