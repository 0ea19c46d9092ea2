"""A Strava export sent in chunks (docs/decisions.md, 60): the upload's record in the
shared store, its bytes in a file of the staging directory.

The file on disk is the truth of what has been received: its length is the upload's
offset, read under an exclusive lock (``flock``) that every chunk of the upload takes, so a
chunk sent twice (its answer was lost) or two at once never write the same bytes twice.  A
chunk is written at the end of what is there; one that starts before the end must agree
with the bytes it overlaps (then only its tail is written), one that starts past the end
is refused (the client asks where to resume).  The record (filename, announced size and
SHA-256, state) is the runner's one key in the store, so a runner has one upload at a time
on whichever web process answers.  An upload untouched for ``ttl`` seconds is abandoned:
its record expires with the store's TTL and its file is removed by the next request's sweep.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from runnerly_common.errors import APIError
from runnerly_common.shared_store import SharedStore

UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
SUFFIX = ".part"
# Reading the received file back (the whole file's hash, an overlap's comparison).
READ_BLOCK = 1024 * 1024


def _key(user_id: int) -> str:
    return f"archive-upload:{user_id}"


def not_found() -> APIError:
    return APIError(
        404,
        "upload_not_found",
        "This upload is not there any more (cancelled, finished or expired): choose the file"
        " again to start over",
    )


class ArchiveUploads:
    def __init__(self, store: SharedStore, directory: str | Path, ttl: int) -> None:
        self.store = store
        self.directory = Path(directory)
        self.ttl = ttl

    def path(self, user_id: int, upload_id: str) -> Path:
        return self.directory / f"{user_id}-{upload_id}{SUFFIX}"

    def current(self, user_id: int) -> dict[str, Any] | None:
        """The runner's upload: ``None`` when there is none, or its bytes are gone."""
        raw = self.store.get(_key(user_id))
        if not raw:
            return None
        upload: dict[str, Any] = json.loads(raw)
        if upload["state"] == "receiving" and (
            not self.path(user_id, upload["id"]).exists()
            or time.time() - upload["updated_at"] > self.ttl
        ):
            self.discard(user_id, upload["id"])
            return None
        return upload

    def find(self, user_id: int, upload_id: str) -> dict[str, Any]:
        upload = self.current(user_id) if UPLOAD_ID.match(upload_id) else None
        if upload is None or upload["id"] != upload_id:
            raise not_found()
        return upload

    def save(self, user_id: int, upload: dict[str, Any]) -> None:
        upload["updated_at"] = time.time()
        self.store.put(_key(user_id), json.dumps(upload).encode(), self.ttl)

    def create(self, user_id: int, filename: str, size: int, sha256: str | None) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        upload_id = secrets.token_urlsafe(12)
        self.path(user_id, upload_id).touch(exist_ok=False)
        now = time.time()
        upload = {
            "id": upload_id,
            "filename": filename,
            "size": size,
            "sha256": sha256,
            "state": "receiving",
            "job_id": None,
            "created_at": now,
            "updated_at": now,
        }
        self.save(user_id, upload)
        return upload

    def discard(self, user_id: int, upload_id: str) -> None:
        """The upload's record (when it is still this upload's) and its bytes."""
        raw = self.store.get(_key(user_id))
        if raw and json.loads(raw)["id"] == upload_id:
            self.store.delete(_key(user_id))
        self.path(user_id, upload_id).unlink(missing_ok=True)

    def received(self, user_id: int, upload: dict[str, Any]) -> int:
        if upload["state"] != "receiving":
            return int(upload["size"])
        try:
            return self.path(user_id, upload["id"]).stat().st_size
        except FileNotFoundError:
            return 0

    @contextlib.contextmanager
    def locked(self, user_id: int, upload_id: str) -> Iterator[BinaryIO]:
        """The upload's file, open for writing under its exclusive lock."""
        try:
            handle = open(self.path(user_id, upload_id), "r+b")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise not_found() from None
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield handle

    def write(
        self, handle: BinaryIO, size: int, offset: int, data: bytes, sha256: str | None = None
    ) -> int:
        """Write ``data`` at ``offset`` of the locked file (``sha256``: the part's, as its
        sender computed it); the new length."""
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:
            raise APIError(
                422,
                "chunk_checksum_mismatch",
                "This part arrived damaged (its SHA-256 differs): send it again",
                errors=[{"field": "query.sha256", "message": "differs from the part's"}],
            )
        end = handle.seek(0, os.SEEK_END)
        if offset > end:
            raise APIError(
                409,
                "upload_offset_mismatch",
                f"This part starts at byte {offset} but {end} bytes have been received:"
                " resume from there",
            )
        if offset + len(data) > size:
            raise APIError(
                422,
                "chunk_too_long",
                f"This part ends past the {size} bytes announced for the file",
                errors=[{"field": "body", "message": "ends past the announced size"}],
            )
        overlap = min(end - offset, len(data))
        if overlap and not _same(handle, offset, data[:overlap]):
            raise APIError(
                409,
                "chunk_conflict",
                f"This part differs from the bytes already received at {offset}: is it the same"
                " file?",
            )
        if overlap < len(data):
            handle.seek(end)
            handle.write(data[overlap:])
            handle.flush()
            os.fsync(handle.fileno())
        return max(end, offset + len(data))

    def sweep(self) -> int:
        """Remove the files of uploads untouched for ``ttl`` seconds; how many."""
        removed = 0
        cutoff = time.time() - self.ttl
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if not entry.name.endswith(SUFFIX):
                continue
            with contextlib.suppress(FileNotFoundError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
        return removed


def _same(handle: BinaryIO, offset: int, data: bytes) -> bool:
    handle.seek(offset)
    for start in range(0, len(data), READ_BLOCK):
        part = data[start : start + READ_BLOCK]
        if handle.read(len(part)) != part:
            return False
    return True


def sha256_of(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while block := handle.read(READ_BLOCK):
        digest.update(block)
    return digest.hexdigest()
