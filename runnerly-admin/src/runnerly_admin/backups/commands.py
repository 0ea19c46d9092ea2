"""``runnerly backup ...``: the click commands over :mod:`operations`."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import click

from runnerly_admin.backups import archive, keys, operations
from runnerly_admin.backups.errors import BackupError
from runnerly_admin.backups.settings import BackupSettings
from runnerly_admin.backups.sources import Sources
from runnerly_admin.output import config_option, echo_json, echo_line
from runnerly_admin.runners import runner_options
from runnerly_common import cli

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Duration(click.ParamType[timedelta, object]):
    """``90s``, ``15m``, ``24h``, ``7d``."""

    name = "duration"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        match = _DURATION.match(str(value).strip())
        if not match or int(match.group(1)) == 0:
            self.fail(f"{value!r} is not a duration such as 24h, 30m or 7d", param, ctx)
        return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


keep_option = click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="Then remove all but the newest N backups.",
)
file_option = click.option(
    "--file",
    "backup",
    type=click.Path(dir_okay=False, path_type=Path),
    help="This backup instead of the latest in RUNNERLY_BACKUP_DIR.",
)


identity_option = click.option(
    "--identity",
    "identity",
    type=click.File("r", encoding="utf-8"),
    help="The age secret key's file instead of RUNNERLY_BACKUP_IDENTITY(_FILE); - reads it "
    "from standard input (docker compose run -T ... < key.txt).",
)


def _settings(config: str | None, identity: TextIO | None = None) -> BackupSettings:
    if identity is None:
        return cli.load_settings(BackupSettings, config)
    return cli.load_settings(BackupSettings, config, identity=identity.read())


@click.group("backup")
def backup() -> None:
    """Encrypted backups of both databases and the worker's lasting keys: make, list,
    schedule, drill and restore them (RUNNERLY_BACKUP_*)."""


@backup.command("create")
@config_option
@keep_option
def create(config: str | None, keep: int | None) -> None:
    """Make one backup now (and apply --keep)."""
    settings = _settings(config)
    made = operations.create(settings, Sources.load(config))
    removed = archive.prune(Path(settings.dir), keep) if keep else []
    echo_json({"created": str(made), "removed": [str(path) for path in removed]})


@backup.command("list")
@config_option
def list_backups(config: str | None) -> None:
    """The backups in RUNNERLY_BACKUP_DIR, newest first."""
    directory = Path(_settings(config).dir)
    echo_json({"backups": [found.describe() for found in reversed(archive.backups(directory))]})


@backup.command("check")
@config_option
@click.option("--max-age", type=Duration(), required=True, help="E.g. 25h.")
def check(config: str | None, max_age: timedelta) -> None:
    """Exit 1 unless the latest backup is younger than --max-age (a health check)."""
    latest = archive.latest(Path(_settings(config).dir))
    age = datetime.now(UTC) - latest.created_at
    if age > max_age:
        raise BackupError(f"the latest backup, {latest.path.name}, is {_hours(age)} old")
    echo_json({"latest": latest.describe(), "age_seconds": int(age.total_seconds())})


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


@backup.command("schedule")
@config_option
@click.option("--every", type=Duration(), default="24h", show_default=True)
@keep_option
@click.option(
    "--retry",
    type=Duration(),
    default="1h",
    show_default=True,
    help="After a failed backup, try again this much later.",
)
def schedule(config: str | None, every: timedelta, keep: int | None, retry: timedelta) -> None:
    """Run forever: a backup whenever the latest is --every old (at once if none), then
    --keep; one JSON line per backup or failure. SIGTERM stops it, removing a backup in
    progress."""
    signal.signal(signal.SIGTERM, _stop)
    settings = _settings(config)
    directory = Path(settings.dir)
    while True:
        found = archive.backups(directory)
        due = found[-1].created_at + every if found else datetime.now(UTC)
        wait = (due - datetime.now(UTC)).total_seconds()
        if wait > 0:
            echo_line({"event": "waiting", "next_at": due.isoformat()})
            time.sleep(wait)
            continue
        try:
            made = operations.create(settings, Sources.load(config))
            removed = archive.prune(directory, keep) if keep else []
            echo_line({"event": "created", "file": str(made), "removed": [str(p) for p in removed]})
        except click.ClickException as exc:
            echo_line(
                {
                    "event": "failed",
                    "error": exc.format_message(),
                    "retry_in_seconds": retry.total_seconds(),
                }
            )
            time.sleep(retry.total_seconds())


def _stop(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)  # unwinds: the working folder of a backup in progress is removed


@backup.command("drill")
@config_option
@runner_options
@click.option(
    "--runners",
    "sample",
    type=click.IntRange(min=1),
    help="Check N runners chosen at random instead of every runner (a quicker drill of a "
    "large database).",
)
@file_option
@identity_option
def drill(
    config: str | None,
    user_id: int | None,
    email: str | None,
    sample: int | None,
    backup: Path | None,
    identity: TextIO | None,
) -> None:
    """Restore the latest backup into scratch databases (dropped afterwards) and compare
    each runner's export from the restored copy with the one the backup recorded when it
    was made: every runner by default (as long as the backup took), --runners N at random,
    or the runner --user/--email names. Exit 1 on any difference; the runners whose data
    changed since in the live database are only counted. A backup made before backups
    recorded the exports is compared with the live database, for a named runner only."""
    if user_id is not None and email is not None:
        raise click.UsageError("name the runner with --user ID or --email ADDRESS (one of them)")
    if sample is not None and (user_id is not None or email is not None):
        raise click.UsageError("--runners draws runners at random: leave out --user and --email")
    settings = _settings(config, identity)
    result = operations.drill(settings, Sources.load(config), user_id, email, backup, sample)
    echo_json(result)
    if result["differences"]:
        raise BackupError(_differences(result))


def _differences(result: dict[str, Any]) -> str:
    if result["compared_with"] == "the live database":
        parts = ", ".join(item["part"] for item in result["differences"])
        return (
            f"the restored copy differs from the live database in: {parts} (the backup lost "
            f"them, or the runner's data changed since {result['created_at']})"
        )
    named = []
    for item in result["differences"]:
        if "runner" not in item and "recorded" in item:
            named.append(
                f"{item['part']}: {item['recorded']} recorded, {item['restored']} restored"
            )
        elif "runner" not in item:
            named.append(f"{item['part']}: {item['restored']}")
        elif "parts" in item:
            named.append(f"runner {item['runner']} ({', '.join(item['parts'])})")
        else:
            missing = "missing" if item["restored"] == "missing" else "not recorded"
            named.append(f"runner {item['runner']} ({missing})")
    differing = result["runners"]["differing"]
    more = differing - sum("runner" in item for item in result["differences"])
    return (
        "the restored copy differs from what the backup recorded when it was made: "
        + "; ".join(named)
        + (f"; and {more} more runners (the JSON report lists the first ones)" if more else "")
    )


@backup.command("restore")
@config_option
@click.argument("backup", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--yes-replace-the-databases",
    "confirmed",
    is_flag=True,
    help="Confirm: everything in both databases is replaced by the backup's contents.",
)
@identity_option
def restore(config: str | None, backup: Path, confirmed: bool, identity: TextIO | None) -> None:
    """Replace both databases' contents with BACKUP's (each in one transaction), and put
    back the worker's keys that are missing. Stop every service first."""
    if not confirmed:
        raise click.UsageError(
            "restore replaces everything in both databases: stop the services, then add "
            "--yes-replace-the-databases"
        )
    settings = _settings(config, identity)
    echo_json(operations.restore(settings, Sources.load(config), backup))


@backup.command("keygen")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the secret key (0600; never replaced).",
)
def keygen(output: Path) -> None:
    """A new age key pair: the secret key to OUTPUT, the public key (the recipient) on
    stdout. Make it on the machine that keeps the key, not on the backed-up host."""
    secret, public = keys.generate()
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{output} exists: never replaced (the backups it opens would be lost)"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"# public key: {public}\n{secret}\n")
    echo_json({"identity_file": str(output), "recipient": public})
