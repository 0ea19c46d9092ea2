"""``dataservice``: serve, migrate, and create runners from the command line."""

from __future__ import annotations

import json
import os
from types import ModuleType
from typing import Any

import click

from dataservice.database import open_database
from dataservice.migrate import upgrade
from dataservice.settings import DataServiceSettings
from dataservice.training import kept as training_kept
from dataservice.users import service as users
from dataservice.vo2max import kept as vo2max_kept
from runnerly_common import cli

config_option = cli.config_option(DataServiceSettings.SECTION)


def _settings(config: str | None, **overrides: Any) -> DataServiceSettings:
    return cli.load_settings(DataServiceSettings, config, **overrides)


def _load_app(settings: DataServiceSettings) -> Any:
    from dataservice.app import create_app

    return create_app(settings)


def _check_app(settings: DataServiceSettings) -> None:
    _load_app(settings).extensions["runnerly.db"].dispose()


@click.group()
def main() -> None:
    """Runnerly's system of record."""


main.add_command(
    cli.serve_command(
        DataServiceSettings,
        default_port=5002,
        load_app=_load_app,
        prepare=_check_app,
        summary="Serve the API with gunicorn (run `dataservice migrate` first).",
    )
)


@main.command()
@config_option
@click.option("--revision", default="head", show_default=True)
def migrate(config: str | None, revision: str) -> None:
    """Bring the database schema up to date (safe to run at every start)."""
    settings = _settings(config)
    upgrade(settings.database_url, revision)
    stored = _store_panels(settings, None, only_missing=True) if revision == "head" else 0
    vdots = _store_missing(settings, vo2max_kept) if revision == "head" else 0
    loads = _store_missing(settings, training_kept) if revision == "head" else 0
    answer = {"records_stored": stored, "vdots_stored": vdots, "training_stored": loads}
    click.echo(json.dumps({"migrated_to": revision, **answer}))


def _store_missing(settings: DataServiceSettings, kept: ModuleType) -> int:
    """Store what ``kept`` (a module with ``missing`` and ``store``) keeps for the runners
    who have none of it: a database from before its revision, a load by COPY."""
    db = open_database(settings.database_url)
    try:
        with db.sessionmaker() as session:
            runners = list(kept.missing(session))
        return int(kept.store(db, runners))
    finally:
        db.dispose()


@main.command("refresh-records")
@config_option
@click.option("--user", "user_id", type=int, help="Only this runner (default: every runner).")
@click.option("--missing", is_flag=True, help="Only runners whose panel is not stored.")
def refresh_records(config: str | None, user_id: int | None, missing: bool) -> None:
    """Compute and store runners' records panels (kept on every write; for a database
    loaded or restored by other means).  Prints how many were stored."""
    stored = _store_panels(_settings(config), user_id, only_missing=missing)
    click.echo(json.dumps({"records_stored": stored}))


def _store_panels(settings: DataServiceSettings, user_id: int | None, only_missing: bool) -> int:
    from sqlalchemy import select

    from dataservice.stats import kept_records
    from dataservice.users.models import User

    db = open_database(settings.database_url)
    try:
        with db.sessionmaker() as session:
            if only_missing:
                runners = [r for r in kept_records.missing(session) if user_id in (None, r)]
            elif user_id is not None:
                runners = [user_id]
            else:
                runners = list(session.scalars(select(User.id).order_by(User.id)))
        return kept_records.store(db, runners)
    finally:
        db.dispose()


@main.command("ensure-user")
@config_option
@click.argument("email")
@click.option(
    "--password-env",
    metavar="VAR",
    help="Environment variable holding the password (never a command-line argument).",
)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--admin", is_flag=True, help="Make the runner an administrator.")
def ensure_user(
    config: str | None,
    email: str,
    password_env: str | None,
    first_name: str,
    last_name: str,
    admin: bool,
) -> None:
    """Create a runner unless one with this email exists (idempotent; prints the id)."""
    settings = _settings(config)
    password = os.environ.get(password_env, "") if password_env else ""
    if password_env and len(password) < 10:
        raise click.ClickException(f"{password_env} must hold a password of 10+ characters")
    db = open_database(settings.database_url)
    try:
        with db.transaction() as session:
            user = users.find_by_email(session, email)
            created = user is None
            if user is None:
                user = users.create_user(
                    session,
                    {
                        "email": email,
                        "first_name": first_name,
                        "last_name": last_name,
                        "is_admin": admin,
                        **({"password": password} if password else {}),
                    },
                )
            click.echo(json.dumps({"id": user.id, "email": user.email, "created": created}))
    finally:
        db.dispose()


@main.command("link-strava")
@config_option
@click.argument("email")
@click.option("--athlete-id", type=int, required=True)
@click.option(
    "--refresh-token-env",
    metavar="VAR",
    required=True,
    help="Environment variable holding the athlete's refresh token.",
)
@click.option("--scope", default="read,activity:read_all", show_default=True)
def link_strava(
    config: str | None, email: str, athlete_id: int, refresh_token_env: str, scope: str
) -> None:
    """Link a runner to a Strava athlete from a refresh token, unless already linked.

    The access token is left expired: the worker refreshes it before first use (development
    setup links the demo runner to strava-sim's demo athlete this way, with no browser)."""
    from datetime import UTC, datetime

    from dataservice.strava import service as strava
    from dataservice.strava.crypto import TokenCipher
    from dataservice.strava.models import StravaLink

    settings = _settings(config)
    refresh_token = os.environ.get(refresh_token_env, "")
    if not refresh_token:
        raise click.ClickException(f"{refresh_token_env} is empty")
    db = open_database(settings.database_url)
    try:
        with db.transaction() as session:
            user = users.find_by_email(session, email)
            if user is None:
                raise click.ClickException(f"no runner with email {email}")
            if session.get(StravaLink, user.id) is None:
                strava.put_link(
                    session,
                    TokenCipher(settings.strava_token_keys),
                    user.id,
                    {
                        "athlete_id": athlete_id,
                        "access_token": "expired",
                        "refresh_token": refresh_token,
                        "scopes": scope,
                        "expires_at": datetime(1970, 1, 1, tzinfo=UTC),
                    },
                )
                click.echo(
                    json.dumps({"user_id": user.id, "athlete_id": athlete_id, "linked": True})
                )
            else:
                click.echo(json.dumps({"user_id": user.id, "linked": False}))
    finally:
        db.dispose()


@main.command("merge-duplicates")
@config_option
@click.option("--user", "user_id", type=int, help="Only this runner (default: every runner).")
@click.option("--dry-run", is_flag=True, help="Count what would be merged; change nothing.")
def merge_duplicates(config: str | None, user_id: int | None, dry_run: bool) -> None:
    """Merge runs stored twice (one effort from Strava and a file, or two files) by the
    duplicate rule, as imports and syncs now do; safe to run again.  Prints a JSON line per
    runner with duplicates, then the totals."""
    from sqlalchemy import select

    from dataservice.runs import merges
    from dataservice.runs.models import Run

    db = open_database(_settings(config).database_url)
    totals = {"runners": 0, "groups": 0, "absorbed": 0, "dry_run": dry_run}
    try:
        with db.sessionmaker() as session:
            if user_id is not None:
                runners = [user_id]
            else:
                runners = list(session.scalars(select(Run.runner_id).distinct()))
        for runner in sorted(runners):
            with db.transaction() as session:  # one runner at a time: short transactions
                found = merges.merge_stored(session, runner, dry_run=dry_run)
            if found["groups"]:
                click.echo(json.dumps(found))
                totals["runners"] += 1
                totals["groups"] += found["groups"]
                totals["absorbed"] += found["absorbed"]
        click.echo(json.dumps(totals))
    finally:
        db.dispose()
