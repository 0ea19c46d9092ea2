"""``runnerly create-admin``: an administrator who can log in to the dashboard."""

from __future__ import annotations

import sys

import click

from dataservice import admin as dataservice
from runnerly_admin import stores
from runnerly_admin.output import config_option, echo_json

# runnerly-web's sign-up asks the same of a password (it also scores it with zxcvbn).
MIN_PASSWORD_LENGTH = 10


@click.command("create-admin")
@config_option
@click.option("--email", required=True, help="The administrator's email (their login).")
@click.option("--name", default="", help='Their name, "First Last" (for a new runner).')
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (never an argument).",
)
def create_admin(config: str | None, email: str, name: str, password_stdin: bool) -> None:
    """Make a runner an administrator, creating them first if needed (idempotent).

    A new administrator needs a password to log in to the dashboard: from standard input
    with --password-stdin, or typed at the prompt.  An existing runner keeps their password
    unless --password-stdin gives a new one."""
    email = email.strip()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 254:
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="--email")
    with stores.dataservice(config) as session:
        exists = dataservice.find_runner_by_email(session, email) is not None
    password = _password(email, password_stdin, needed=not exists)
    first, _, last = name.strip().partition(" ")
    with stores.dataservice(config) as session:
        runner = dataservice.find_runner_by_email(session, email)
        created = runner is None
        if runner is None:
            if password is None:  # created meanwhile by someone else, then deleted
                raise click.UsageError("a new administrator needs a password: --password-stdin")
            runner = dataservice.create_admin(
                session,
                email,
                first_name=first[:100],
                last_name=last.strip()[:100],
                password=password,
            )
        else:
            runner = dataservice.make_admin(session, runner.id, password=password)
        result = {
            "id": runner.id,
            "email": runner.email,
            "created": created,
            "is_admin": runner.is_admin,
            "has_password": runner.has_password,
            "disabled": runner.disabled,
        }
    echo_json(result)
    if result["disabled"]:
        click.echo("runnerly: warning: this account is disabled; it cannot log in", err=True)
    elif not result["has_password"]:
        click.echo(
            "runnerly: warning: no password: set one with --password-stdin to log in", err=True
        )


def _password(email: str, from_stdin: bool, *, needed: bool) -> str | None:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif needed and sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    elif needed:
        raise click.UsageError(
            "a new administrator needs a password: give it on standard input with --password-stdin"
        )
    else:
        return None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
            param_hint="--password-stdin",
        )
    if password.strip().casefold() == email.casefold():
        raise click.BadParameter(
            "the password must not be the email address", param_hint="--password-stdin"
        )
    return password
