"""What every command shares: ``--config`` and JSON on stdout."""

from __future__ import annotations

import json
from typing import Any

import click

# One INI file may hold [dataservice], [tokendealer] and [strava-worker]: each command reads
# the sections of the services it touches (the environment still wins, as in the services).
config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="INI file with [dataservice], [tokendealer] and [strava-worker] sections.",
)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


def echo_line(data: Any) -> None:
    """One JSON object a line: a command reporting on many items, as they are done."""
    click.echo(json.dumps(data))
