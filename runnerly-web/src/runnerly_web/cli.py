"""``runnerly-web serve``: the web app under gunicorn."""

from __future__ import annotations

from typing import Any

import click

from runnerly_common.logs import configure_logging
from runnerly_common.server import serve as run_server
from runnerly_common.settings import SettingsError
from runnerly_web.settings import WebSettings


def _settings(config: str | None, **overrides: Any) -> WebSettings:
    try:
        return WebSettings.load(config, **overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """Runnerly's web app for runners."""


@main.command()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="INI file with a [runnerly-web] section.",
)
@click.option("--host", help="Address to listen on (default from settings).")
@click.option("--port", type=int, help="Port (default 5000).")
@click.option("--workers", type=int, help="Worker processes (default: from the CPU count).")
def serve(config: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web app and its JSON API with gunicorn."""
    overrides = {k: v for k, v in {"host": host, "port": port, "workers": workers}.items() if v}
    settings = _settings(config, **overrides)
    configure_logging("runnerly-web", settings.log_level)

    def load_app() -> Any:
        from runnerly_web.app import create_app

        return create_app(settings)

    # Fail here, once, on a bad setting rather than in every worker.
    try:
        load_app()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    run_server(load_app, settings)
