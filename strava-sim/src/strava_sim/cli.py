"""``strava-sim``: serve the simulator, or re-seed it."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from runnerly_common.logs import configure_logging
from runnerly_common.server import serve as run_server
from runnerly_common.settings import SettingsError
from strava_sim.service import Simulator
from strava_sim.settings import SimSettings

config_option = click.option(
    "--config", type=click.Path(dir_okay=False), help="INI file with a [strava-sim] section."
)


def _settings(config: str | None, **overrides: Any) -> SimSettings:
    try:
        return SimSettings.load(config, **{k: v for k, v in overrides.items() if v})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """A faithful local stand-in for the Strava API v3."""


@main.command()
@config_option
@click.option("--host", help="Address to listen on (default from settings).")
@click.option("--port", type=int, help="Port (default 5004).")
@click.option("--workers", type=int, help="Worker processes (default: from the CPU count).")
def serve(config: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve with gunicorn; every worker shares the state in the database."""
    settings = _settings(config, host=host, port=port, workers=workers)
    configure_logging("strava-sim", settings.log_level)
    Simulator(settings).setup()  # once, before the workers fork

    def load_app() -> Any:
        from strava_sim.app import create_app

        return create_app(settings, setup=False)

    run_server(load_app, settings)


@main.command()
@config_option
def reset(config: str | None) -> None:
    """Re-seed: athletes, activities, tokens, subscriptions, usage and faults start over."""
    settings = _settings(config)
    started = time.perf_counter()
    total = Simulator(settings).reset()
    click.echo(
        json.dumps(
            {
                "athletes": settings.athletes,
                "activities": total,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
