"""``runnerly backup``: encrypted backups of real PostgreSQL databases (Debian's pg_dump and
pg_restore) and a real Redis, their retention, the restore drill and the restore."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import activity_files
import pyrage
import pytest
import redis
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from helpers import one_line
from runnerly_admin.backups import archive, exports, keys, postgres
from runnerly_admin.cli import main
from runnerly_admin.export import fingerprint
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from dataservice.migrate import upgrade
from dataservice.users import service as users
from runnerly_common.db import Database
from runnerly_common.testing import ServiceUnavailable, skip_or_fail
from runnerly_common.testing.ci import require_program
from runnerly_common.testing.postgres import POSTGRES_URL

MARKER = "strava-worker:lock:report-sent:1:2026-11"
DAY_BUDGET = "strava-worker:budget:day:1796601600"
MARK_SECONDS = 400 * 86400


@pytest.fixture(scope="module")
def postgres_programs() -> None:
    for program in ("pg_dump", "pg_restore"):
        try:
            require_program(program, "postgresql-client")
        except ServiceUnavailable as exc:
            skip_or_fail(str(exc))


def _identity_file(path: Path) -> tuple[Path, str]:
    secret, public = keys.generate()
    path.write_text(f"# public key: {public}\n{secret}\n", encoding="utf-8")
    path.chmod(0o600)
    return path, public


@pytest.fixture
def env(
    postgres_programs: None,
    postgres_database: Callable[[str], str],
    redis_server: Any,
    tmp_path: Path,
) -> Iterator[dict[str, str]]:
    """A migrated dataservice database, an empty tokendealer one, the worker's Redis and a
    key pair, as an operator's environment names them."""
    dataservice = postgres_database("backup_ds")
    upgrade(dataservice)
    identity, recipient = _identity_file(tmp_path / "backup-identity.txt")
    redis_url = redis_server.url(3)
    yield {
        "RUNNERLY_ENV": "test",
        "DATASERVICE_DATABASE_URL": dataservice,
        "DATASERVICE_STRAVA_TOKEN_KEYS": Fernet.generate_key().decode(),
        "TOKENDEALER_DATABASE_URL": postgres_database("backup_td"),
        "TOKENDEALER_KEYS_PASSPHRASE": "test-passphrase-for-keys",
        "STRAVA_WORKER_REDIS_URL": redis_url,
        "RUNNERLY_BACKUP_DIR": str(tmp_path / "backups"),
        "RUNNERLY_BACKUP_RECIPIENT": recipient,
        "RUNNERLY_BACKUP_IDENTITY_FILE": str(identity),
        "RUNNERLY_BACKUP_POSTGRES_URL": POSTGRES_URL,
    }
    redis.Redis.from_url(redis_url).flushdb()


@pytest.fixture
def service_role_database() -> Iterator[tuple[str, str]]:
    """A database owned by a role of its own that is not a superuser, as compose's init
    script makes them: (its URL as that role, the role)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"backup_role_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        skip_or_fail(f"PostgreSQL: cannot create a role and its database: {exc}")
    try:
        yield (
            make_url(POSTGRES_URL)
            .set(username=name, database=name)
            .render_as_string(hide_password=False),
            name,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


# `runnerly` is conftest's, run with this module's `env`.


@pytest.fixture
def dataservice_db(env: dict[str, str]) -> Iterator[Database]:
    db = Database(env["DATASERVICE_DATABASE_URL"])
    yield db
    db.dispose()


@pytest.fixture
def ada(runnerly: Callable[..., Result], dataservice_db: Database, tmp_path: Path) -> int:
    """A runner with an imported run (its original file kept), and an OAuth client in the
    tokendealer's database."""
    with dataservice_db.transaction() as session:
        runner = users.create_user(session, {"email": "ada@example.org", "first_name": "Ada"}).id
    (tmp_path / "morning.gpx").write_bytes(activity_files.gpx())
    assert runnerly("import", "--user", runner, tmp_path / "morning.gpx").exit_code == 0
    added = runnerly("add-client", "reports-exporter", "--scope", "runs:read")
    assert added.exit_code == 0, added.output
    return runner


def _scratch_databases() -> set[str]:
    """The drill's scratch databases made by this process (CliRunner runs the command
    here): another test process may be drilling meanwhile."""
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database"))
        found = {name for (name,) in names if name.startswith(f"runnerly_drill_{os.getpid()}_")}
    engine.dispose()
    return found


def _create(runnerly: Callable[..., Result], *args: Any, **overrides: str) -> Path:
    result = runnerly("backup", "create", *args, **overrides)
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["created"])


def _next_second() -> None:
    """Backups are named by the second: wait for a new one."""
    time.sleep(1 - datetime.now(UTC).microsecond / 1e6 + 0.01)


class TestCreate:
    def test_a_backup_is_one_encrypted_file_only_its_owner_reads(self, runnerly, ada, env):
        made = _create(runnerly)
        directory = Path(env["RUNNERLY_BACKUP_DIR"])
        assert made.parent == directory
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        content = made.read_bytes()
        assert content.startswith(b"age-encryption.org/v1")
        assert b"ada@example.org" not in content and b"Morning loop" not in content
        assert [path.name for path in directory.iterdir()] == [made.name]  # no leftovers
        listed = json.loads(runnerly("backup", "list").stdout)["backups"]
        assert [item["file"] for item in listed] == [str(made)]

    def test_a_folder_others_could_read_is_narrowed_to_its_owner(self, runnerly, ada, env):
        directory = Path(env["RUNNERLY_BACKUP_DIR"])
        directory.mkdir(mode=0o755)
        directory.chmod(0o755)
        _create(runnerly)
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700

    def test_retention_keeps_the_newest_n(self, runnerly, ada, env):
        made = []
        for _ in range(3):
            _next_second()
            made.append(_create(runnerly, "--keep", "2"))
        remaining = sorted(p.name for p in Path(env["RUNNERLY_BACKUP_DIR"]).iterdir())
        assert remaining == [made[1].name, made[2].name]

    @pytest.mark.parametrize(
        ("variable", "error"),
        [
            ("TOKENDEALER_DATABASE_URL", "pg_dump of no_such_database failed"),
            # Its snapshot's transaction is opened first: the record is read in it too.
            ("DATASERVICE_DATABASE_URL", "the dataservice's database"),
        ],
    )
    def test_a_failed_dump_leaves_nothing_behind(self, runnerly, ada, env, variable, error):
        missing = env[variable].rpartition("/")[0] + "/no_such_database"
        result = runnerly("backup", "create", **{variable: missing})
        assert result.exit_code == 1
        assert error in one_line(result) and "no_such_database" in one_line(result)
        assert list(Path(env["RUNNERLY_BACKUP_DIR"]).iterdir()) == []

    def test_without_a_public_key_nothing_is_dumped(self, runnerly, ada, env):
        result = runnerly(
            "backup", "create", RUNNERLY_BACKUP_RECIPIENT="", RUNNERLY_BACKUP_IDENTITY_FILE=""
        )
        assert result.exit_code == 1
        assert "RUNNERLY_BACKUP_RECIPIENT" in one_line(result)
        assert not Path(env["RUNNERLY_BACKUP_DIR"]).exists()

    def test_check_fails_when_the_latest_backup_is_too_old(self, runnerly, ada):
        assert runnerly("backup", "check", "--max-age", "1h").exit_code == 1  # none yet
        _create(runnerly)
        assert runnerly("backup", "check", "--max-age", "1h").exit_code == 0
        time.sleep(1.1)
        too_old = runnerly("backup", "check", "--max-age", "1s")
        assert too_old.exit_code == 1
        assert "old" in one_line(too_old)


def _reseal(
    env: dict[str, str], made: Path, change: Callable[[Path, dict[str, Any]], None]
) -> None:
    """The backup ``made`` opened, changed by ``change`` (given its unpacked folder and its
    manifest, whose members it may edit) and sealed again under its name: what a backup
    made otherwise, or a host holding the recipient, could write."""
    secret = next(
        line
        for line in Path(env["RUNNERLY_BACKUP_IDENTITY_FILE"]).read_text().splitlines()
        if line and not line.startswith("#")
    )
    identity = pyrage.x25519.Identity.from_str(secret)
    directory = made.parent
    (at,) = [found.created_at for found in archive.backups(directory) if found.path == made]
    with archive.working_directory(directory) as work:
        manifest = archive.unseal(made, work, [identity])
        change(work, manifest)
        members = list(manifest.pop("members"))
        extra = {k: v for k, v in manifest.items() if k not in ("format", "created_at")}
        made.unlink()
        archive.seal(directory, work, members, [identity.to_public()], at, extra)


def _import(runnerly: Callable[..., Result], runner: int, path: Path, **gpx: Any) -> None:
    path.write_bytes(activity_files.gpx(**gpx))
    assert runnerly("import", "--user", runner, path).exit_code == 0


class TestDrill:
    def test_the_restored_copy_gives_the_runners_export_unchanged(self, runnerly, ada):
        before = _scratch_databases()
        _create(runnerly)
        result = runnerly("backup", "drill", "--email", "ada@example.org")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["compared_with"] == "the backup's record"
        assert report["differences"] == []
        assert report["runner"] == {"id": ada, "email": "ada@example.org"}
        assert report["runners"] == {"recorded": 1, "checked": 1, "differing": 0}
        assert report["changed_since_backup"] == {"runners": 0, "ids": []}
        assert report["tables"]["tokendealer"] > 0 and report["tables"]["dataservice"] > 0
        assert _scratch_databases() == before

    def test_every_runner_is_checked_by_default_or_a_sample(
        self, runnerly, ada, dataservice_db, tmp_path
    ):
        with dataservice_db.transaction() as session:
            grace = users.create_user(session, {"email": "grace@example.org"}).id
        _import(runnerly, grace, tmp_path / "grace.gpx", day=3)
        _create(runnerly)
        every = runnerly("backup", "drill")
        assert every.exit_code == 0, every.output
        assert json.loads(every.stdout)["runners"] == {"recorded": 2, "checked": 2, "differing": 0}
        some = runnerly("backup", "drill", "--runners", "1")
        assert some.exit_code == 0, some.output
        assert json.loads(some.stdout)["runners"]["checked"] == 1
        both = runnerly("backup", "drill", "--runners", "1", "--user", ada)
        assert both.exit_code == 2 and "--runners" in both.stderr

    def test_changes_after_the_backup_are_counted_and_do_not_fail_the_drill(
        self, runnerly, ada, dataservice_db, tmp_path
    ):
        """The drill checks the backup against what it held when it was made: a sync, an
        edit, a new or deleted runner since then is no difference."""
        _create(runnerly)
        _import(runnerly, ada, tmp_path / "later.gpx", day=5, name="After the backup")
        with dataservice_db.transaction() as session:
            users.update_user(session, users.get_user(session, ada), {"first_name": "Augusta"})
            users.create_user(session, {"email": "new@example.org"})
        result = runnerly("backup", "drill", "--user", ada)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["differences"] == []
        assert report["changed_since_backup"] == {"runners": 1, "ids": [ada]}
        every = runnerly("backup", "drill")
        assert every.exit_code == 0, every.output
        assert json.loads(every.stdout)["runners"]["checked"] == 1  # the new one is in neither
        with dataservice_db.transaction() as session:
            users.delete_user(session, users.get_user(session, ada))
        deleted = runnerly("backup", "drill", "--email", "ada@example.org")
        assert deleted.exit_code == 0, deleted.output
        assert json.loads(deleted.stdout)["changed_since_backup"]["ids"] == [ada]

    def test_a_dump_that_differs_from_the_record_fails_the_drill_naming_the_runner(
        self, runnerly, ada, env, tmp_path
    ):
        made = _create(runnerly)
        _import(runnerly, ada, tmp_path / "later.gpx", day=5, name="Not in the snapshot")

        def later_dump(work: Path, manifest: dict[str, Any]) -> None:
            live = make_url(env["DATASERVICE_DATABASE_URL"])
            postgres.dump(live, work / "dataservice.dump")

        _reseal(env, made, later_dump)
        result = runnerly("backup", "drill")
        assert result.exit_code == 1
        assert f"runner {ada} (files, runs)" in one_line(result)
        report = json.loads(result.stdout)
        assert report["differences"] == [{"runner": ada, "parts": ["files", "runs"]}]
        assert report["runners"]["differing"] == 1
        named = runnerly("backup", "drill", "--user", ada)
        assert named.exit_code == 1
        assert f"runner {ada} (files, runs)" in one_line(named)

    def test_a_runner_the_backup_lost_fails_the_drill(self, runnerly, ada, env):
        made = _create(runnerly)

        def wrong_record(work: Path, manifest: dict[str, Any]) -> None:
            record = work / exports.MEMBER
            entry = json.loads(record.read_text())
            entry["id"] += 1000  # recorded, yet not in the dump
            record.write_text(json.dumps(entry) + "\n")

        _reseal(env, made, wrong_record)
        result = runnerly("backup", "drill")
        assert result.exit_code == 1
        line = one_line(result)
        assert f"runner {ada} (not recorded)" in line and f"runner {ada + 1000} (missing)" in line

    def test_a_runner_the_backup_never_held_is_named(self, runnerly, ada, dataservice_db):
        _create(runnerly)
        with dataservice_db.transaction() as session:
            users.create_user(session, {"email": "new@example.org"})
        added = runnerly("backup", "drill", "--email", "new@example.org")
        assert added.exit_code == 1
        assert "(new@example.org) is not in this backup" in one_line(added)
        unknown = runnerly("backup", "drill", "--user", 999)
        assert unknown.exit_code == 1
        assert "runner 999 not found" in one_line(unknown)

    def test_a_backup_made_before_the_record_is_compared_with_the_live_database(
        self, runnerly, ada, env, tmp_path
    ):
        made = _create(runnerly)

        def without_record(work: Path, manifest: dict[str, Any]) -> None:
            del manifest["exports"], manifest["members"][exports.MEMBER]

        _reseal(env, made, without_record)
        result = runnerly("backup", "drill", "--user", ada)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["compared_with"] == "the live database"
        assert "records no runners' exports" in report["note"]
        assert report["runs"] == {"live": 1, "restored": 1}
        unnamed = runnerly("backup", "drill")
        assert unnamed.exit_code == 1
        assert "name a runner with --user or --email" in one_line(unnamed)
        _import(runnerly, ada, tmp_path / "later.gpx", day=5, name="After the backup")
        changed = runnerly("backup", "drill", "--user", ada)
        assert changed.exit_code == 1
        assert "differs from the live database in: files, runs" in one_line(changed)

    def test_the_record_and_the_dump_read_one_snapshot(
        self, runnerly, ada, env, dataservice_db, tmp_path
    ):
        """What create does, with a change made between the snapshot's export and the dump:
        neither the dump nor the record holds it, and both hold the same."""
        url = make_url(env["DATASERVICE_DATABASE_URL"])
        on = datetime.now(UTC).date()
        reader = Database(env["DATASERVICE_DATABASE_URL"])
        try:
            with reader.sessionmaker() as session, exports.snapshot(session) as snapshot:
                with dataservice_db.transaction() as writer:
                    users.update_user(writer, users.get_user(writer, ada), {"first_name": "Aug"})
                    users.create_user(writer, {"email": "during@example.org"})
                postgres.dump(url, tmp_path / "dataservice.dump", snapshot=snapshot)
                assert exports.record(session, tmp_path / "recorded.jsonl", on) == 1
        finally:
            reader.dispose()
        admin = make_url(POSTGRES_URL)
        with postgres.scratch_databases(admin, ("ds",)) as scratch:
            postgres.restore(scratch["ds"], tmp_path / "dataservice.dump", clean=False)
            restored = Database(scratch["ds"].render_as_string(hide_password=False))
            try:
                with restored.sessionmaker() as session:
                    assert exports.record(session, tmp_path / "restored.jsonl", on) == 1
            finally:
                restored.dispose()
        recorded = (tmp_path / "recorded.jsonl").read_text()
        assert recorded == (tmp_path / "restored.jsonl").read_text()
        with dataservice_db.sessionmaker() as session:  # the change did happen
            assert exports.digests(session, ada, on)["sha256"] not in recorded

    def test_a_tampered_backup_fails_clearly_and_creates_no_database(self, runnerly, ada, env):
        before = _scratch_databases()
        made = _create(runnerly)
        content = bytearray(made.read_bytes())
        content[len(content) // 2] ^= 0x01
        made.write_bytes(bytes(content))
        result = runnerly("backup", "drill", "--email", "ada@example.org")
        assert result.exit_code == 1
        assert "is damaged or was tampered with" in one_line(result)
        assert _scratch_databases() == before
        assert [p.name for p in Path(env["RUNNERLY_BACKUP_DIR"]).iterdir()] == [made.name]

    def test_the_key_may_come_on_standard_input_only(self, runnerly, ada, env):
        """As `docker compose run -T ... < key.txt` gives it: never a file in the container."""
        _create(runnerly)
        key = Path(env["RUNNERLY_BACKUP_IDENTITY_FILE"]).read_text(encoding="utf-8")
        without = {"RUNNERLY_BACKUP_IDENTITY_FILE": ""}
        refused = runnerly("backup", "drill", "--user", ada, **without)
        assert refused.exit_code == 1
        assert "set RUNNERLY_BACKUP_IDENTITY_FILE" in one_line(refused)
        result = runnerly("backup", "drill", "--user", ada, "--identity", "-", input=key, **without)
        assert result.exit_code == 0, result.output

    def test_a_wrong_key_is_named_and_creates_no_database(self, runnerly, ada, env, tmp_path):
        before = _scratch_databases()
        _create(runnerly)
        other, _ = _identity_file(tmp_path / "other-identity.txt")
        result = runnerly(
            "backup", "drill", "--user", ada, RUNNERLY_BACKUP_IDENTITY_FILE=str(other)
        )
        assert result.exit_code == 1
        assert "the identity does not open it" in one_line(result)
        assert _scratch_databases() == before
        assert len(list(Path(env["RUNNERLY_BACKUP_DIR"]).iterdir())) == 1

    def test_without_a_backup_the_drill_says_so(self, runnerly, ada, env):
        result = runnerly("backup", "drill", "--user", ada)
        assert result.exit_code == 1
        assert f"no backup in {env['RUNNERLY_BACKUP_DIR']}" in one_line(result)


class TestRestore:
    def test_restore_needs_its_confirmation(self, runnerly, ada):
        made = _create(runnerly)
        result = runnerly("backup", "restore", made)
        assert result.exit_code == 2
        assert "--yes-replace-the-databases" in result.stderr

    def test_restore_brings_back_the_databases_and_the_workers_lasting_keys(
        self, runnerly, ada, env, dataservice_db, tmp_path
    ):
        store = redis.Redis.from_url(env["STRAVA_WORKER_REDIS_URL"])
        store.set(MARKER, "sent", ex=MARK_SECONDS)
        store.set(DAY_BUDGET, 412, ex=2 * 86400)
        store.set("strava-worker:lock:sync:1", "short-lived", ex=60)
        with dataservice_db.sessionmaker() as session:
            before = fingerprint(session, ada)
        made = _create(runnerly)
        # What a lost host loses: the runner's new run, the runner, Redis.
        (tmp_path / "later.gpx").write_bytes(activity_files.gpx(day=5))
        assert runnerly("import", "--user", ada, tmp_path / "later.gpx").exit_code == 0
        with dataservice_db.transaction() as session:
            users.delete_user(session, users.get_user(session, ada))
        store.flushdb()

        result = runnerly("backup", "restore", made, "--yes-replace-the-databases")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["worker_keys"] == {"restored": 2, "kept": 0, "expired": 0}
        with dataservice_db.sessionmaker() as session:
            after = fingerprint(session, ada)
        assert after == before
        assert store.get(MARKER) == b"sent"
        assert store.ttl(MARKER) > MARK_SECONDS - 60
        assert store.get(DAY_BUDGET) == b"412"
        assert store.get("strava-worker:lock:sync:1") is None
        # The tokendealer's clients came back too: the same name is taken again.
        again = runnerly("add-client", "reports-exporter", "--scope", "runs:read")
        assert again.exit_code == 1 and "already exists" in one_line(again)

    @pytest.mark.parametrize("as_superuser", [True, False], ids=["superuser", "owner"])
    def test_restore_leaves_each_database_owned_by_its_services_role(
        self, runnerly, env, service_role_database, as_superuser
    ):
        """As in compose: the dataservice's own role owns its database and dumps it; the
        superuser restores it as that role (``--role``), or the role itself does, so the
        service can still migrate it."""
        url, role = service_role_database
        upgrade(url)
        db = Database(url)
        try:
            with db.transaction() as session:
                runner = users.create_user(session, {"email": "grace@example.org"}).id
            made = _create(runnerly, DATASERVICE_DATABASE_URL=url)
            with db.transaction() as session:
                users.delete_user(session, users.get_user(session, runner))
            result = runnerly(
                "backup",
                "restore",
                made,
                "--yes-replace-the-databases",
                DATASERVICE_DATABASE_URL=url,
            )
            assert result.exit_code == 0, result.output
            with db.sessionmaker() as session:
                assert users.get_user(session, runner).email == "grace@example.org"
                owners = set(
                    session.scalars(
                        text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
                    )
                )
            assert owners == {role}
        finally:
            db.dispose()


class TestKeygen:
    def test_keygen_writes_a_private_key_once(self, runnerly, tmp_path):
        output = tmp_path / "key.txt"
        result = CliRunner().invoke(main, ["backup", "keygen", "--output", str(output)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["recipient"].startswith("age1")
        assert stat.S_IMODE(output.stat().st_mode) == 0o600
        again = CliRunner().invoke(main, ["backup", "keygen", "--output", str(output)])
        assert again.exit_code == 1
        assert "never replaced" in one_line(again)


def test_the_durations_the_schedule_takes():
    from runnerly_admin.backups.commands import Duration

    assert Duration().convert("24h", None, None).total_seconds() == 86400
    assert Duration().convert("15m", None, None).total_seconds() == 900
    with pytest.raises(Exception, match="not a duration"):
        Duration().convert("daily", None, None)


def test_the_superusers_password_may_come_apart_from_its_url():
    from runnerly_admin.backups.postgres import superuser_url
    from runnerly_admin.backups.settings import BackupSettings

    settings = BackupSettings.load(
        environ={
            "RUNNERLY_BACKUP_POSTGRES_URL": "postgresql+psycopg://postgres@postgres:5432/postgres",
            "RUNNERLY_BACKUP_POSTGRES_PASSWORD": "s3cret/with@odd:chars",
        }
    )
    url = make_url(superuser_url(settings))
    assert (url.username, url.password, url.host) == (
        "postgres",
        "s3cret/with@odd:chars",
        "postgres",
    )


class TestSchedule:
    @contextmanager
    def _running(self, env: dict[str, str], *args: str) -> Iterator[Callable[[], dict[str, Any]]]:
        """`runnerly backup schedule` as compose runs it; yields "its next JSON line";
        SIGTERM at the end must stop it with exit code 0."""
        runnerly = shutil.which("runnerly", path=str(Path(sys.executable).parent))
        assert runnerly, "the runnerly console script"
        with subprocess.Popen(
            [runnerly, "backup", "schedule", *args],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:

            def next_line() -> dict[str, Any]:
                assert process.stdout is not None
                line = process.stdout.readline()
                assert line, "no output; the process ended"
                return json.loads(line)

            try:
                yield next_line
                assert process.poll() is None  # still running, waiting
            finally:
                process.send_signal(signal.SIGTERM)
                _, stderr = process.communicate(timeout=30)
            assert process.returncode == 0, stderr

    def test_it_backs_up_at_once_then_waits_and_stops_cleanly_on_sigterm(self, ada, env):
        with self._running(env, "--every", "1h", "--keep", "2") as next_line:
            event = next_line()
            assert event["event"] == "created", event
            assert next_line()["event"] == "waiting"
        # Started again within the hour: the latest backup is recent, nothing is made.
        with self._running(env, "--every", "1h") as next_line:
            assert next_line()["event"] == "waiting"
        assert [p.name for p in Path(env["RUNNERLY_BACKUP_DIR"]).iterdir()] == [
            Path(event["file"]).name
        ]

    def test_a_failure_is_a_line_and_the_loop_goes_on(self, ada, env):
        without_key = {**env, "RUNNERLY_BACKUP_RECIPIENT": "", "RUNNERLY_BACKUP_IDENTITY_FILE": ""}
        with self._running(without_key, "--retry", "1h") as next_line:
            event = next_line()
            assert event["event"] == "failed"
            assert "RUNNERLY_BACKUP_RECIPIENT" in event["error"]


def test_the_keys_saved_are_the_ones_the_worker_writes(redis_server):
    """The key names are a contract with strava-worker (decision 50): written here by the
    worker's own store and report task, found by the backup; the short-lived ones left."""
    from runnerly_admin.backups import worker_store

    from strava_worker.budget import Windows
    from strava_worker.redis_store import RedisStore
    from strava_worker.report_tasks import MARK_SECONDS, _sent_key, mark_sent

    url = redis_server.url(4)
    store = RedisStore.from_url(url)
    store.redis.flushdb()
    try:
        assert mark_sent(store, _sent_key(7, 2026, 11))
        assert store.reserve(Windows(limit_short=100, limit_daily=1000), time.time())[0]
        assert store.acquire("sync:7", "worker-1", 60)
        saved = {item["key"]: item for item in worker_store.save(url)["keys"]}
    finally:
        store.redis.flushdb()
    marker = "strava-worker:lock:report-sent:7:2026-11"
    (budget,) = saved.keys() - {marker}  # the lock and the 15-minute window are left
    assert budget.startswith("strava-worker:budget:day:")
    assert saved[marker]["expires_at"] > time.time() + MARK_SECONDS - 60
