"""What every service's command line repeats: ``--config``, settings errors as usage
errors, and the ``serve`` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from runnerly_common.logs import configure_logging
from runnerly_common.server import serve as run_server
from runnerly_common.settings import Settings, SettingsError

S = TypeVar("S", bound=Settings)
F = TypeVar("F", bound=Callable[..., Any])


def config_option(section: str) -> Callable[[F], F]:
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        help=f"INI file with a [{section}] section.",
    )


def load_settings(cls: type[S], config: str | None, **overrides: Any) -> S:
    """``cls.load`` with the overrides that were given; a bad setting stops the command
    with its message instead of a traceback."""
    try:
        return cls.load(config, **{name: value for name, value in overrides.items() if value})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def serve_command(
    cls: type[S],
    *,
    default_port: int,
    load_app: Callable[[S], Any],
    prepare: Callable[[S], object] | None = None,
    summary: str,
    server_options: dict[str, Any] | None = None,
) -> click.Command:
    """``serve``: gunicorn with ``load_app(settings)`` in each worker, after ``prepare``
    ran once in the master (schema, keys; or building the app once, so that a bad setting
    fails here rather than in every worker); ``server_options`` are the service's own
    gunicorn settings, over everything else."""
    section = cls.SECTION

    @click.command("serve", help=summary)
    @config_option(section)
    @click.option("--host", help="Address to listen on (default from settings).")
    @click.option("--port", type=int, help=f"Port (default {default_port}).")
    @click.option("--workers", type=int, help="Worker processes (default: from the CPU count).")
    @click.option(
        "--threads", type=int, help="Threads per worker (default from settings; 1: sync workers)."
    )
    def serve(
        config: str | None,
        host: str | None,
        port: int | None,
        workers: int | None,
        threads: int | None,
    ) -> None:
        settings = load_settings(
            cls, config, host=host, port=port, workers=workers, threads=threads
        )
        configure_logging(section, settings.log_level)
        if prepare is not None:
            try:
                prepare(settings)
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
        run_server(lambda: load_app(settings), settings, **(server_options or {}))

    return serve
