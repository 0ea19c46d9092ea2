"""What the backup commands do: make a backup, drill one, restore one."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
from runnerly_admin import failures
from runnerly_admin.backups import archive, exports, keys, postgres, worker_store
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
        extra: dict[str, Any] = {"databases": list(sources.databases)}
        for name, url in sources.databases.items():
            if name == "dataservice":
                extra["exports"] = _dump_with_exports(url, work)
                members.append(exports.MEMBER)
            else:
                postgres.dump(url, work / f"{name}.dump")
            members.append(f"{name}.dump")
        if sources.redis_url:
            saved = worker_store.save(sources.redis_url)
            (work / WORKER_KEYS).write_text(json.dumps(saved), encoding="utf-8")
            members.append(WORKER_KEYS)
        return archive.seal(directory, work, members, to, at, extra)


def _dump_with_exports(url: URL, work: Path) -> dict[str, Any]:
    """The dataservice's dump and every runner's export digests, both read in one snapshot
    (the transaction exporting it stays open until both are done): what the drill checks
    the restored copy against. The manifest's entry for them."""
    on = datetime.now(UTC).date()
    with (
        _session(url, "the dataservice's database") as session,
        exports.snapshot(session) as snapshot,
    ):
        postgres.dump(url, work / "dataservice.dump", snapshot=snapshot)
        runners = exports.record(session, work / exports.MEMBER, on)
    return {"member": exports.MEMBER, "on": on.isoformat(), "runners": runners}


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
    sample: int | None = None,
) -> dict[str, Any]:
    """Restore ``backup`` (the latest by default) into scratch databases, and compare the
    runners' exports from the restored copy with the ones the backup recorded when it was
    made: the runner named, else ``sample`` runners chosen at random, else every runner.
    The live database says which of them changed since, for information. A backup that
    recorded none (made before backups did) is compared with the live database instead,
    for the runner named only."""
    opener = keys.identities(settings)
    admin = postgres.postgres_url(
        "the drill's scratch databases",
        postgres.superuser_url(settings),
        "RUNNERLY_BACKUP_POSTGRES_URL",
    )
    path = chosen_backup(settings, backup)
    live_url = sources.databases["dataservice"]
    with archive.working_directory(Path(settings.dir)) as work:
        manifest = archive.unseal(path, work, opener)
        record = manifest.get("exports")
        if record is None and user_id is None and email is None:
            raise BackupError(
                f"{path.name} records no runners' exports (made before backups did): name a "
                "runner with --user or --email to compare the restored copy with the live "
                "database"
            )
        with postgres.scratch_databases(admin, DATABASES) as scratch:
            tables = {}
            for name in DATABASES:
                postgres.restore(scratch[name], work / f"{name}.dump", clean=False)
                tables[name] = _tables(scratch[name])
            with (
                _session(scratch["dataservice"], "the restored dataservice") as restored,
                _session(live_url, "the dataservice's database") as live,
            ):
                if record is None:
                    found = _against_live(live, restored, user_id, email)
                else:
                    found = _against_record(
                        work / record["member"], record, live, restored, user_id, email, sample
                    )
    empty = [name for name, count in tables.items() if count == 0]
    found["differences"] += [
        {"part": f"{name} database", "restored": "no tables"} for name in empty
    ]
    return {
        "backup": str(path),
        "created_at": manifest["created_at"],
        "tables": tables,
        **found,
    }


LISTED = 50  # runners named in a report; the counts cover them all


def _against_record(
    path: Path,
    record: dict[str, Any],
    live: Session,
    restored: Session,
    user_id: int | None,
    email: str | None,
    sample: int | None,
) -> dict[str, Any]:
    on = date.fromisoformat(record["on"])
    out: dict[str, Any] = {"compared_with": "the backup's record", "on": record["on"]}
    chosen: Iterable[tuple[int, dict[str, Any] | None]]
    if user_id is not None or email is not None:
        runner = _runner(restored, live, user_id, email)
        entry = next((e for e in exports.recorded(path) if e["id"] == runner.id), None)
        if entry is None and exports.digests(restored, runner.id, on) is None:
            raise BackupError(
                f"runner {runner.id} ({runner.email}) is not in this backup: added since "
                "it was made?"
            )
        out["runner"] = {"id": runner.id, "email": runner.email}
        chosen = [(runner.id, entry)]
    elif sample is not None:
        chosen = [(entry["id"], entry) for entry in _sample(exports.recorded(path), sample)]
    else:
        chosen = _union(exports.recorded(path), dataservice.runner_ids(restored))
    differences: list[dict[str, Any]] = []
    differing = checked = changed = 0
    changed_ids: list[int] = []
    for runner_id, entry in chosen:
        checked += 1
        got = exports.digests(restored, runner_id, on)
        difference = _difference(runner_id, entry, got)
        if difference is not None:
            differing += 1
            if len(differences) < LISTED:
                differences.append(difference)
        if entry is not None:
            now = exports.digests(live, runner_id, on)
            if now is None or now["sha256"] != entry["sha256"]:
                changed += 1
                if len(changed_ids) < LISTED:
                    changed_ids.append(runner_id)
    if sample is not None:  # of the runners not drawn, the number at least
        restored_count = sum(1 for _ in dataservice.runner_ids(restored))
        if restored_count != record["runners"]:
            differences.append(
                {"part": "runners", "recorded": record["runners"], "restored": restored_count}
            )
    out["runners"] = {"recorded": record["runners"], "checked": checked, "differing": differing}
    out["changed_since_backup"] = {"runners": changed, "ids": changed_ids}
    out["differences"] = differences
    return out


def _runner(
    restored: Session, live: Session, user_id: int | None, email: str | None
) -> dataservice.Runner:
    """The runner as the backup holds them, else as the live database does (a runner the
    backup lost)."""
    try:
        return dataservice.find_runner(restored, runner_id=user_id, email=email)
    except dataservice.APIError:
        return dataservice.find_runner(live, runner_id=user_id, email=email)


def _difference(
    runner_id: int, entry: dict[str, Any] | None, got: dict[str, Any] | None
) -> dict[str, Any] | None:
    if entry is None and got is None:
        return None
    if entry is None:
        return {"runner": runner_id, "recorded": "missing", "restored": "present"}
    if got is None:
        return {"runner": runner_id, "recorded": "present", "restored": "missing"}
    if got["sha256"] == entry["sha256"]:
        return None
    parts = sorted(
        part
        for part in entry["parts"].keys() | got["parts"].keys()
        if entry["parts"].get(part) != got["parts"].get(part)
    )
    return {"runner": runner_id, "parts": parts}


def _sample(entries: Iterator[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """``size`` of ``entries`` chosen at random, by id (reservoir sampling: one pass, never
    more than ``size`` in memory)."""
    chosen: list[dict[str, Any]] = []
    rng = random.SystemRandom()
    for seen, entry in enumerate(entries):
        if seen < size:
            chosen.append(entry)
        else:
            slot = rng.randrange(seen + 1)
            if slot < size:
                chosen[slot] = entry
    return sorted(chosen, key=lambda entry: int(entry["id"]))


def _union(
    entries: Iterator[dict[str, Any]], ids: Iterator[int]
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """Every runner id recorded or restored, in order, with what was recorded for it (both
    come by id: a merge, one runner at a time)."""
    entry, runner_id = next(entries, None), next(ids, None)
    while entry is not None or runner_id is not None:
        if entry is not None and (runner_id is None or entry["id"] <= runner_id):
            if entry["id"] == runner_id:
                runner_id = next(ids, None)
            yield entry["id"], entry
            entry = next(entries, None)
        else:
            assert runner_id is not None
            yield runner_id, None
            runner_id = next(ids, None)


def _against_live(
    live: Session, restored: Session, user_id: int | None, email: str | None
) -> dict[str, Any]:
    """Before backups recorded the exports: the runner's export from the live database
    against the restored one's (a change since the backup shows as a difference)."""
    runner = dataservice.find_runner(live, runner_id=user_id, email=email)
    now = fingerprint(live, runner.id)
    try:
        restored_export = fingerprint(restored, runner.id)
    except dataservice.APIError:  # not in the backup at all
        restored_export = {}
    return {
        "compared_with": "the live database",
        "note": (
            "this backup records no runners' exports (made before backups did): the "
            "restored copy is compared with the live database, where any change since the "
            "backup shows as a difference"
        ),
        "runner": {"id": runner.id, "email": runner.email},
        "runs": {"live": len(now["runs"]), "restored": len(restored_export.get("runs", []))},
        "files": {"live": len(now["files"]), "restored": len(restored_export.get("files", {}))},
        "differences": compare(now, restored_export),
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
