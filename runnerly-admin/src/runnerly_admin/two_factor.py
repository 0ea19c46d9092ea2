"""``runnerly two-factor reset``: remove a runner's two-factor sign-in (a lost phone and
lost recovery codes), through ``dataservice.admin``; the runner is told by email, queued
for the worker as runnerly-web queues its account mail."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import click

from dataservice import admin as dataservice
from runnerly_admin import failures, stores
from runnerly_admin.output import config_option, echo_json
from runnerly_admin.runners import chosen, find_runner, runner_options
from runnerly_admin.sync import send
from runnerly_common import cli
from runnerly_common.settings import Settings
from runnerly_common.tasks import DELIVER_MAIL
from runnerly_common.two_factor_mail import reset_notice


@dataclasses.dataclass
class PublicURLSettings(Settings):
    """runnerly-web's public address, for the mail's link (same env name and INI section)."""

    SECTION: ClassVar[str] = "runnerly-web"
    ENV_PREFIX: ClassVar[str] = "RUNNERLY_WEB_"

    public_url: str = "http://localhost:8080"


@click.group("two-factor")
def two_factor() -> None:
    """Runners' two-factor sign-in (TOTP)."""


@two_factor.command("reset")
@config_option
@runner_options
@click.option("--no-email", is_flag=True, help="Do not email the runner about it.")
def reset(config: str | None, user_id: int | None, email: str | None, no_email: bool) -> None:
    """Remove a runner's two-factor sign-in, so that their password alone logs in until
    they set it up again; for a runner who lost both their phone and their recovery codes.

    The runner is emailed about it (unless --no-email) when two-factor was on."""
    chosen(user_id, email)
    with stores.dataservice(config) as session:
        runner = find_runner(session, user_id, email)
        was_enabled = dataservice.reset_two_factor(session, runner.id)
    told = False
    if was_enabled and not no_email:
        public_url = cli.load_settings(PublicURLSettings, config).public_url
        try:
            send(
                stores.broker_url(config),
                DELIVER_MAIL,
                reset_notice(runner.email, public_url, runner_id=runner.id).task_kwargs(),
            )
            told = True
        except failures.Unavailable as exc:
            click.echo(f"runnerly: warning: the runner was not emailed: {exc}", err=True)
    echo_json(
        {"id": runner.id, "email": runner.email, "was_enabled": was_enabled, "runner_told": told}
    )
