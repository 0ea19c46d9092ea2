"""``strava-sim``: serve the simulator, or re-seed it."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from runnerly_common import cli
from strava_sim.service import Simulator
from strava_sim.settings import SimSettings

config_option = cli.config_option(SimSettings.SECTION)


def _settings(config: str | None, **overrides: Any) -> SimSettings:
    return cli.load_settings(SimSettings, config, **overrides)


def _load_app(settings: SimSettings) -> Any:
    from strava_sim.app import create_app

    return create_app(settings, setup=False)


def _setup(settings: SimSettings) -> None:
    Simulator(settings).setup()  # once, before the workers fork


@click.group()
def main() -> None:
    """A faithful local stand-in for the Strava API v3."""


main.add_command(
    cli.serve_command(
        SimSettings,
        default_port=5004,
        load_app=_load_app,
        prepare=_setup,
        summary="Serve with gunicorn; every worker shares the state in the database.",
        # The one service a browser reaches directly (its authorize page).  Chromium opens
        # speculative connections that never send a request; a sync worker waits on each
        # until gunicorn kills it as hung.  Threads leave an idle connection to the poller.
        server_options={"worker_class": "gthread", "threads": 4},
    )
)


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
