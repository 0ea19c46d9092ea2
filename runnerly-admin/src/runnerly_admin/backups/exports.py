"""The runners' exports as a backup records them: each runner's export fingerprint, digested
part by part, read in the very snapshot that ``pg_dump`` dumps. The drill compares the
restored copy with this record, not with the live database, which has moved on since."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
from runnerly_admin.export import fingerprint

MEMBER = "exports.jsonl"


@contextmanager
def snapshot(session: Session) -> Iterator[str]:
    """``session``'s transaction made read-only and REPEATABLE READ, and its snapshot
    exported: the id that ``pg_dump --snapshot`` takes while the block runs, so the dump
    and what ``session`` reads are the same state of the database. Call first in the
    session's transaction."""
    session.connection(
        execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    )
    yield str(session.execute(text("SELECT pg_export_snapshot()")).scalar_one())


def _sha256(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digests(session: Session, runner_id: int, on: date) -> dict[str, Any] | None:
    """The runner's export fingerprint on ``on``, as SHA-256 of its canonical JSON, whole
    and part by part (so a drill names the parts that differ); None without the runner."""
    try:
        found = fingerprint(session, runner_id, on)
    except dataservice.APIError:  # no such runner
        return None
    finally:
        session.expunge_all()  # one runner's rows in memory at a time
    return {
        "id": runner_id,
        "sha256": _sha256(found),
        "parts": {part: _sha256(value) for part, value in sorted(found.items())},
    }


def record(session: Session, path: Path, on: date) -> int:
    """Every runner's digests into ``path``, one JSON line each, by id; how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for runner_id in dataservice.runner_ids(session):
            found = digests(session, runner_id, on)
            if found is not None:
                out.write(json.dumps(found) + "\n")
                count += 1
    return count


def recorded(path: Path) -> Iterator[dict[str, Any]]:
    """The digests ``record`` wrote, by id, one at a time."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)
