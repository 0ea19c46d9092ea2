"""Checking a Strava bulk export ("Download your account") before anything is staged.

The zip holds ``activities.csv`` (one row per activity: Activity ID, Activity Date,
Activity Name, Activity Type, ..., Filename) and ``activities/`` with each recorded file
(``123.gpx``, ``123.fit.gz``, ``123.tcx.gz``), beside many files Runnerly does not read
(media, clubs, other CSVs), which are never opened.  A hostile archive is refused whole,
with why, before anything is kept:

- not a zip, or an encrypted one; more members than any export has, or one named twice;
- a member whose path leaves the archive (absolute, ``..``, a drive, a backslash);
- a nested archive (a zip, tar, 7z... anywhere; a ``.gz`` outside ``activities/``);
- a zip bomb: every member read is inflated with a cap (a member's stated size may lie),
  and so is each gzipped activity, and the archive's total once unpacked.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import BinaryIO

from runnerly_common.archive_imports import Entry
from runnerly_common.errors import APIError

MAX_MEMBERS = 20_000
MAX_FILE_BYTES = 32 * 1024 * 1024  # one activity once unpacked (a long run's GPX: ~10 MB)
MAX_CSV_BYTES = 16 * 1024 * 1024
# What is staged is gzipped (Strava's own files already are; a plain one is gzipped here), so
# a zip of plain GPX keeps a fraction of what it unpacks to. The default of the setting
# ARCHIVE_MAX_BYTES (which also caps an archive's size, decision 60).
MAX_STAGED_BYTES = 4 * 1024 * 1024 * 1024
# The whole archive's activities once unpacked, per byte staged (512 MB to 128 MB before).
TOTAL_PER_STAGED = 4
ACTIVITY = re.compile(r"^activities/[^/]+\.(gpx|tcx|fit)(\.gz)?$", re.IGNORECASE)
NESTED = re.compile(r"\.(zip|jar|tar|tgz|tbz2?|txz|7z|rar|gz|bz2|xz|zst|cab|iso)$", re.IGNORECASE)
CSV_NAME = "activities.csv"
COLUMNS = {"Activity ID": "activity_id", "Activity Name": "title", "Activity Type": "sport"}


def refused(message: str) -> APIError:
    return APIError(422, "archive_refused", message, errors=[{"field": "body", "message": message}])


def _unsafe(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in name.split("/"))


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member inflated, refused past ``cap`` bytes whatever its header claims."""
    try:
        with archive.open(info) as member:
            data = member.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise refused(f"“{info.filename}” cannot be read from the archive ({exc})") from None
    if len(data) > cap:
        raise refused(f"“{info.filename}” is larger than {cap // (1024 * 1024)} MB once unpacked")
    return data


def _gzip_size(name: str, data: bytes) -> int:
    """The inflated size of a gzipped activity, checked against the cap."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(data, MAX_FILE_BYTES)
    except zlib.error:
        raise refused(f"“{name}” is not a readable gzip file") from None
    if inflater.unconsumed_tail:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise refused(f"“{name}” is larger than {limit} MB once unpacked")
    return len(inflated)


def _rows(data: bytes) -> dict[str, Entry]:
    """Each activity file's row of ``activities.csv``, by its path in the archive."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or "Filename" not in header:
        raise refused("activities.csv has no Filename column: is this Strava's export?")
    # The export repeats some headers (Elapsed Time, Distance): the first of each counts.
    where = {name: header.index(name) for name in (*COLUMNS, "Filename") if name in header}
    rows: dict[str, Entry] = {}
    for row in reader:
        path = row[where["Filename"]].strip() if len(row) > where["Filename"] else ""
        if not path:
            continue  # a manual entry: no file to import
        fields = {
            key: (row[where[column]].strip() or None)
            if column in where and len(row) > where[column]
            else None
            for column, key in COLUMNS.items()
        }
        rows[path] = Entry(path=path, **fields)
    return rows


def read_archive(
    source: bytes | BinaryIO, max_staged: int = MAX_STAGED_BYTES
) -> Iterator[tuple[Entry, bytes]]:
    """The archive's activity files, each with its row, read one at a time (a multi-GB
    export is never held whole); :class:`APIError` 422 naming why the archive is refused.

    The archive's names, flags and ``activities.csv`` are checked before the first file is
    yielded; a file past a cap is refused when it is reached, so whoever keeps the files
    must drop those already kept (:meth:`ArchiveImports.stage` does).  ``max_staged`` caps
    the gzipped files kept (``ARCHIVE_MAX_BYTES``); four times that, the activities once
    unpacked (the worker's time)."""
    archive, rows = _open(source)
    return _activities(archive, rows, max_staged)


def _open(source: bytes | BinaryIO) -> tuple[zipfile.ZipFile, dict[str, Entry]]:
    stream: BinaryIO
    if isinstance(source, bytes):
        head, stream = source[:4], io.BytesIO(source)
    else:
        stream = source
        head = stream.read(4)
        stream.seek(0)
    if head != b"PK\x03\x04":
        raise refused("This is not a zip archive: upload the zip Strava sent, as it came")
    try:
        archive = zipfile.ZipFile(stream)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise refused("The zip archive is damaged or incomplete") from None
    if len(infos) > MAX_MEMBERS:
        raise refused(f"The archive holds more than {MAX_MEMBERS} files")
    for info in infos:
        name = info.filename
        if _unsafe(name):
            raise refused(f"“{name[:80]}” points outside the archive: refused")
        if info.flag_bits & 0x1:
            raise refused("The archive is encrypted: upload it as Strava sent it")
        if NESTED.search(name) and not ACTIVITY.match(name):
            raise refused(f"“{name[:80]}” is an archive inside the archive: refused")
    by_name = {info.filename: info for info in infos}
    if len(by_name) != len(infos):  # which of two same-named members would count?
        raise refused("The archive names a file twice: upload it as Strava sent it")
    if CSV_NAME not in by_name:
        raise refused(
            "The archive has no activities.csv: upload the zip from Strava's “Download your "
            "account” (Settings → My Account)"
        )
    if not any(not info.is_dir() and ACTIVITY.match(info.filename) for info in infos):
        raise refused("The archive's activities/ folder holds no GPX, TCX or FIT file")
    return archive, _rows(_read(archive, by_name[CSV_NAME], MAX_CSV_BYTES))


def _activities(
    archive: zipfile.ZipFile, rows: dict[str, Entry], max_staged: int
) -> Iterator[tuple[Entry, bytes]]:
    max_total = TOTAL_PER_STAGED * max_staged
    total = staged = 0
    for info in archive.infolist():
        if info.is_dir() or not ACTIVITY.match(info.filename):
            continue
        content = _read(archive, info, MAX_FILE_BYTES)
        if info.filename.lower().endswith(".gz"):
            total += _gzip_size(info.filename, content)
        else:
            total += len(content)
            # Deterministic (no timestamp): the same file staged again is the same bytes.
            content = gzip.compress(content, compresslevel=6, mtime=0)
        staged += len(content)
        if total > max_total or staged > max_staged:
            limit = max_total // (1024 * 1024)
            raise refused(f"The activities are larger than {limit} MB once unpacked")
        yield rows.get(info.filename) or Entry(path=info.filename), content


def display_name(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).name[:120] or "archive.zip"
