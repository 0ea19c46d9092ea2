"""``runnerly-gateway``: render the nginx configuration, or render it and run nginx."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from runnerly_common.settings import SettingsError
from runnerly_gateway import waf_triggers
from runnerly_gateway.logs import encode, entry
from runnerly_gateway.render import error_log_path, nginx_command, prepare, render
from runnerly_gateway.settings import TARGETS, GatewaySettings
from runnerly_gateway.supervise import supervise


def _settings(config: str | None, **overrides: Any) -> GatewaySettings:
    try:
        return GatewaySettings.load(config, **{k: v for k, v in overrides.items() if v})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


config_option = click.option(
    "--config", type=click.Path(dir_okay=False), help="INI file with a [gateway] section."
)
target_option = click.option(
    "--target", type=click.Choice(TARGETS), help="Where it runs (default from settings: local)."
)
prefix_option = click.option("--prefix", help="nginx's prefix directory (default var/gateway).")


@click.group()
def main() -> None:
    """Runnerly's gateway: nginx with Lua request ids, rate limits and WAF."""


@main.command("render")
@config_option
@target_option
@prefix_option
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
def render_command(
    config: str | None, target: str | None, prefix: str | None, output: str | None
) -> None:
    """Print nginx.conf for a target (the prefix also holds gateway.json, see `run`)."""
    settings = _settings(config, target=target, prefix=prefix)
    try:
        text = render(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        with open(output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


@main.command("prepare")
@config_option
@target_option
@prefix_option
def prepare_command(config: str | None, target: str | None, prefix: str | None) -> None:
    """Write nginx.conf and gateway.json into the prefix without starting nginx."""
    settings = _settings(config, target=target, prefix=prefix)
    try:
        conf = prepare(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(conf))


@main.command("waf-triggers")
@click.option(
    "--waf-config",
    type=click.Path(exists=True, dir_okay=False),
    default=str(Path(__file__).resolve().parents[2] / "waf" / "config.json"),
    show_default=True,
    help="The WAF config whose rule files to analyse.",
)
def waf_triggers_command(waf_config: str) -> None:
    """Write triggers.json next to the WAF config: each rule's trigger bytes, derived from
    its pattern (run after changing a rule; a test fails while the file is stale)."""
    click.echo(str(waf_triggers.write(Path(waf_config))))


@main.command()
@config_option
@target_option
@prefix_option
@click.option("--port", type=int, help="Port to listen on (default 8080).")
def run(config: str | None, target: str | None, prefix: str | None, port: int | None) -> None:
    """Render into the prefix and run nginx in the foreground (Ctrl-C stops it)."""
    settings = _settings(config, target=target, prefix=prefix, port=port)
    try:
        conf = prepare(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    command = nginx_command(settings, conf)
    binary = shutil.which(command[0])
    if binary is None:
        raise click.ClickException(
            f"{command[0]} not found: install nginx and libnginx-mod-http-lua "
            f"(or set {settings.env_name('nginx')})"
        )
    started = (
        f"gateway on http://{settings.host}:{settings.port}, status on "
        f"http://{settings.status_bind_host}:{settings.status_port} ({conf})"
    )
    command[0] = binary
    if error_log_path(settings) == "stderr":
        # nginx cannot write its error log as JSON: this process converts it (and passes
        # the access log on, lending request ids to the error lines), then exits as nginx did.
        sys.stdout.write(encode({**entry("gateway", started), "level": "INFO"}))
        sys.exit(supervise(command))
    click.echo(started, err=True)
    # exec: nginx becomes this process, so the launcher's signals reach it directly.
    os.execv(binary, command)  # noqa: S606 - nginx by its resolved path, no shell


if __name__ == "__main__":
    main()
