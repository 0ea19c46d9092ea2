"""The backup file: a tar of named members with a manifest of their checksums, encrypted
with age, written whole or not at all, and only ever readable by its owner.

Plain data exists only in a private working folder (0700) beside the backups, removed when
the command ends however it ends; a killed run's folder is removed by the next prune.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage

from runnerly_admin.backups.errors import BackupError

FORMAT = "runnerly-backup/1"
MANIFEST = "manifest.json"
NAME = re.compile(r"^runnerly-(\d{8}T\d{6}Z)\.tar\.age$")
WORKING_PREFIX = ".runnerly-backup-"
STALE_WORKING_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Backup:
    path: Path
    created_at: datetime

    def describe(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "bytes": self.path.stat().st_size,
        }


def file_name(at: datetime) -> str:
    return f"runnerly-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar.age"


def private_directory(path: Path) -> Path:
    """``path``, created 0700 if missing and narrowed to 0700 if it is ours and wider."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(0o700)
    except OSError as exc:
        raise BackupError(f"backup folder {path}: {exc.strerror or exc}") from None
    return path


@contextlib.contextmanager
def working_directory(directory: Path) -> Iterator[Path]:
    """A private folder for plain data, on the backups' file system (so the finished file
    is linked into place, never copied), removed when the block ends."""
    work = Path(tempfile.mkdtemp(prefix=WORKING_PREFIX, dir=private_directory(directory)))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _private_file(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def seal(
    directory: Path,
    work: Path,
    members: Sequence[str],
    recipients: Sequence[pyrage.x25519.Recipient],
    at: datetime,
    extra: dict[str, Any],
) -> Path:
    """The files ``members`` of ``work``, with a manifest, as one encrypted backup in
    ``directory``: written beside it (0600), synced, then linked into place under its final
    name, which never replaces an existing backup."""
    manifest = {
        "format": FORMAT,
        "created_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "members": {
            name: {"sha256": _sha256(work / name), "bytes": (work / name).stat().st_size}
            for name in members
        },
        **extra,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    plain = work / "backup.tar"
    with tarfile.open(plain, "w") as tar:
        for name in (MANIFEST, *members):
            tar.add(work / name, arcname=name, recursive=False)
            (work / name).unlink()  # at most two copies of the data on disk at a time
    sealed = work / "backup.tar.age"
    with plain.open("rb") as source, os.fdopen(_private_file(sealed), "wb") as out:
        try:
            pyrage.encrypt_io(source, out, list(recipients))
        except (pyrage.EncryptError, OSError) as exc:
            raise BackupError(f"encrypting the backup: {exc}") from None
        out.flush()
        os.fsync(out.fileno())
    plain.unlink()
    target = directory / file_name(at)
    try:
        os.link(sealed, target)
    except FileExistsError:
        raise BackupError(f"{target} exists already: one backup a second") from None
    _sync_directory(directory)
    return target


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unseal(
    backup: Path, work: Path, identities: Sequence[pyrage.x25519.Identity]
) -> dict[str, Any]:
    """``backup`` decrypted and unpacked into ``work``, each member checked against the
    manifest; the manifest. A wrong key, a damaged or tampered file is a :class:`BackupError`
    naming it, raised before anything is restored anywhere."""
    plain = work / "backup.tar"
    try:
        with backup.open("rb") as source, os.fdopen(_private_file(plain), "wb") as out:
            pyrage.decrypt_io(source, out, list(identities))
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"{backup}: the identity does not open it ({exc}): made for another key, or its "
            "header is damaged"
        ) from None
    except FileNotFoundError:
        raise BackupError(f"{backup}: no such file") from None
    except OSError as exc:
        # age authenticates every 64 KiB chunk: a changed byte stops decryption there.
        raise BackupError(f"{backup} is damaged or was tampered with: {exc}") from None
    try:
        with tarfile.open(plain) as tar:
            names = tar.getnames()
            if MANIFEST not in names or any("/" in name or name.startswith(".") for name in names):
                raise BackupError(f"{backup}: not a Runnerly backup (members {names})")
            tar.extractall(work, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{backup}: not a Runnerly backup ({exc})") from None
    finally:
        plain.unlink()
    manifest: dict[str, Any] = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup}: unknown format {manifest.get('format')!r}")
    for name, expected in manifest["members"].items():
        member = work / name
        if not member.is_file() or _sha256(member) != expected["sha256"]:
            raise BackupError(f"{backup}: {name} does not match its checksum")
    return manifest


def backups(directory: Path) -> list[Backup]:
    """The backups in ``directory``, oldest first (by the time in their names)."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME.match(path.name)
        if match and path.is_file():
            at = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append(Backup(path, at))
    return sorted(found, key=lambda backup: backup.created_at)


def latest(directory: Path) -> Backup:
    found = backups(directory)
    if not found:
        raise BackupError(f"no backup in {directory}")
    return found[-1]


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups, and working folders that a killed run
    left; the backups removed."""
    removed = [backup.path for backup in backups(directory)[:-keep]] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    if directory.is_dir():
        for path in directory.glob(f"{WORKING_PREFIX}*"):
            if path.is_dir() and time.time() - path.stat().st_mtime > STALE_WORKING_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
    return removed
