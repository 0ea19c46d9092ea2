"""``runnerly add-client`` and ``runnerly rotate-keys``: the tokendealer's registry and key
ring, through its admin facade."""

from __future__ import annotations

import click

from runnerly_admin import stores
from runnerly_admin.output import config_option, echo_json
from tokendealer import admin as tokendealer


@click.command("add-client")
@config_option
@click.argument("name")
@click.option("--scope", default="", help='Scopes it may have, e.g. "runs:read runs:write".')
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    default=("dataservice",),
    show_default=True,
    help="A service the client may get tokens for (repeatable).",
)
@click.option(
    "--user-scope",
    default="",
    help="Scopes it may obtain for a runner by token exchange (none by default).",
)
def add_client(
    config: str | None, name: str, scope: str, audiences: tuple[str, ...], user_scope: str
) -> None:
    """Register an OAuth client; prints its secret this once (it is stored hashed)."""
    with stores.tokendealer(config) as settings:
        result = tokendealer.add_client(
            settings, name, audiences=audiences, scopes=[scope], user_scopes=[user_scope]
        )
    echo_json(result)


@click.command("rotate-keys")
@config_option
def rotate_keys(config: str | None) -> None:
    """Sign with the pre-published next key from now on.

    Retired keys stay published until the tokens they signed expire, and the services
    fetch the JWKS again when a token names a key they do not know: nothing to restart."""
    with stores.tokendealer(config) as settings:
        result = tokendealer.rotate_keys(settings)
    echo_json(result)
