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
from pathlib import PurePosixPath

from runnerly_common.archive_imports import Entry
from runnerly_common.errors import APIError

MAX_MEMBERS = 20_000
MAX_FILE_BYTES = 32 * 1024 * 1024  # one activity once unpacked (a long run's GPX: ~10 MB)
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024  # the whole archive's activities once unpacked
# What is staged is gzipped (Strava's own files already are; a plain one is gzipped here), so
# an 8 MB zip of plain GPX keeps tens of MB in the store, not the hundreds it unpacks to.
MAX_STAGED_BYTES = 128 * 1024 * 1024
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


def read_archive(data: bytes) -> list[tuple[Entry, bytes]]:
    """The archive's activity files, each with its row; :class:`APIError` 422 naming why
    the archive is refused."""
    if not data.startswith(b"PK\x03\x04"):
        raise refused("This is not a zip archive: upload the zip Strava sent, as it came")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
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
    rows = _rows(_read(archive, by_name[CSV_NAME], MAX_CSV_BYTES))
    files: list[tuple[Entry, bytes]] = []
    total = staged = 0
    for info in infos:
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
        if total > MAX_TOTAL_BYTES or staged > MAX_STAGED_BYTES:
            limit = MAX_TOTAL_BYTES // (1024 * 1024)
            raise refused(f"The activities are larger than {limit} MB once unpacked")
        entry = rows.get(info.filename) or Entry(path=info.filename)
        files.append((entry, content))
    if not files:
        raise refused("The archive's activities/ folder holds no GPX, TCX or FIT file")
    return files


def display_name(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).name[:120] or "archive.zip"
