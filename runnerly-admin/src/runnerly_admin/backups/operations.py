"""What the backup commands do: make a backup, drill one, restore one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
from runnerly_admin import failures
from runnerly_admin.backups import archive, keys, postgres, worker_store
from runnerly_admin.backups.errors import BackupError
from runnerly_admin.backups.settings import BackupSettings
from runnerly_admin.backups.sources import Sources
from runnerly_admin.export import fingerprint

DATABASES = ("tokendealer", "dataservice")
WORKER_KEYS = "worker-keys.json"


def create(settings: BackupSettings, sources: Sources, at: datetime | None = None) -> Path:
    """One encrypted backup of everything ``sources`` names; its path."""
    to = keys.recipients(settings)  # a missing key stops us before any work
    directory = archive.private_directory(Path(settings.dir))
    at = at or datetime.now(UTC)
    with archive.working_directory(directory) as work:
        members = []
        for name, url in sources.databases.items():
            postgres.dump(url, work / f"{name}.dump")
            members.append(f"{name}.dump")
        if sources.redis_url:
            saved = worker_store.save(sources.redis_url)
            (work / WORKER_KEYS).write_text(json.dumps(saved), encoding="utf-8")
            members.append(WORKER_KEYS)
        return archive.seal(
            directory, work, members, to, at, {"databases": list(sources.databases)}
        )


def chosen_backup(settings: BackupSettings, backup: Path | None) -> Path:
    return backup if backup is not None else archive.latest(Path(settings.dir)).path


@contextmanager
def _session(url: URL, where: str) -> Iterator[Session]:
    rendered = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    with failures.database(where, rendered):
        db = dataservice.open_database(rendered)
        try:
            with db.sessionmaker() as session:
                yield session
        finally:
            db.dispose()


def _tables(url: URL) -> int:
    with _session(url, f"the restored {url.database}") as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            ).scalar_one()
        )


def drill(
    settings: BackupSettings,
    sources: Sources,
    user_id: int | None,
    email: str | None,
    backup: Path | None = None,
) -> dict[str, Any]:
    """Restore ``backup`` (the latest by default) into scratch databases, and compare the
    runner's export from the live database with the export from the restored one."""
    opener = keys.identities(settings)
    admin = postgres.postgres_url(
        "the drill's scratch databases",
        postgres.superuser_url(settings),
        "RUNNERLY_BACKUP_POSTGRES_URL",
    )
    path = chosen_backup(settings, backup)
    live_url = sources.databases["dataservice"]
    with _session(live_url, "the dataservice's database") as session:
        runner = dataservice.find_runner(session, runner_id=user_id, email=email)
        live = fingerprint(session, runner.id)
    with archive.working_directory(Path(settings.dir)) as work:
        manifest = archive.unseal(path, work, opener)
        with postgres.scratch_databases(admin, DATABASES) as scratch:
            tables = {}
            for name in DATABASES:
                postgres.restore(scratch[name], work / f"{name}.dump", clean=False)
                tables[name] = _tables(scratch[name])
            with _session(scratch["dataservice"], "the restored dataservice") as session:
                try:
                    restored = fingerprint(session, runner.id)
                except dataservice.APIError:  # not in the backup at all
                    restored = {}
    differences = compare(live, restored)
    empty = [name for name, count in tables.items() if count == 0]
    return {
        "backup": str(path),
        "created_at": manifest["created_at"],
        "runner": {"id": runner.id, "email": runner.email},
        "tables": tables,
        "runs": {"live": len(live["runs"]), "restored": len(restored.get("runs", []))},
        "files": {"live": len(live["files"]), "restored": len(restored.get("files", {}))},
        "differences": differences
        + [{"part": f"{name} database", "restored": "no tables"} for name in empty],
    }


def compare(live: dict[str, Any], restored: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of the export that differ: for a list (runs, races...) and the files, how
    many items on each side; for the profile and the Strava link, that they differ."""
    if not restored:
        return [{"part": "runner", "live": "present", "restored": "missing"}]
    out = []
    for part in sorted(live.keys() | restored.keys()):
        before, after = live.get(part), restored.get(part)
        if before != after:
            out.append({"part": part, "live": _size(part, before), "restored": _size(part, after)})
    return out


def _size(part: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list) or part == "files":
        return f"{len(value)} items"
    return "differs"


def restore(settings: BackupSettings, sources: Sources, backup: Path) -> dict[str, Any]:
    """``backup`` over the live databases (each in one transaction) and the worker's keys.
    As the superuser (``RUNNERLY_BACKUP_POSTGRES_URL``) when set, the objects then owned by
    each service's role, else as each service's role."""
    opener = keys.identities(settings)
    postgres_url = postgres.superuser_url(settings)
    admin = (
        postgres.postgres_url("the restore", postgres_url, "RUNNERLY_BACKUP_POSTGRES_URL")
        if postgres_url
        else None
    )
    result: dict[str, Any] = {"backup": str(backup)}
    with archive.working_directory(Path(settings.dir)) as work:
        manifest = archive.unseal(backup, work, opener)
        result["created_at"] = manifest["created_at"]
        if WORKER_KEYS in manifest["members"] and not sources.redis_url:
            raise BackupError("the backup holds the worker's keys: set STRAVA_WORKER_REDIS_URL")
        for name in DATABASES:
            target = sources.databases[name]
            if admin is not None:
                postgres.restore(
                    admin.set(database=target.database),
                    work / f"{name}.dump",
                    clean=True,
                    role=target.username,
                )
            else:
                postgres.restore(target, work / f"{name}.dump", clean=True)
        result["databases"] = list(DATABASES)
        if WORKER_KEYS in manifest["members"]:
            saved = json.loads((work / WORKER_KEYS).read_text(encoding="utf-8"))
            result["worker_keys"] = worker_store.load(sources.redis_url, saved)
    return result
