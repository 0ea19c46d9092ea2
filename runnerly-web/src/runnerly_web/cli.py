"""``runnerly-web serve``: the web app under gunicorn."""

from __future__ import annotations

from typing import Any

import click

from runnerly_common import cli
from runnerly_web.settings import WebSettings


def _load_app(settings: WebSettings) -> Any:
    from runnerly_web.app import create_app

    return create_app(settings)


@click.group()
def main() -> None:
    """Runnerly's web app for runners."""


main.add_command(
    cli.serve_command(
        WebSettings,
        default_port=5000,
        load_app=_load_app,
        prepare=_load_app,  # a bad setting fails here, once, rather than in every worker
        summary="Serve the web app and its JSON API with gunicorn.",
    )
)
