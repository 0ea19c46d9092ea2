"""``runnerly add-client``, ``runnerly add-app`` and ``runnerly rotate-keys``: the
tokendealer's registry and key ring, through its admin facade."""

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


@click.command("add-app")
@config_option
@click.argument("client_id")
@click.option("--name", "app_name", required=True, help="The app's name, as runners see it.")
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    required=True,
    help="Where codes may be sent (repeatable): https, or http on a loopback address.",
)
@click.option("--scope", required=True, help='Runner scopes it may ask for, e.g. "runs:read".')
@click.option("--public", is_flag=True, help="No secret: a script, a native or browser app.")
def add_app(
    config: str | None,
    client_id: str,
    app_name: str,
    redirect_uris: tuple[str, ...],
    scope: str,
    public: bool,
) -> None:
    """Register a third-party app for the authorization code flow with PKCE (decision 54);
    prints a confidential app's secret this once."""
    with stores.tokendealer(config) as settings:
        result = tokendealer.add_app(
            settings,
            client_id,
            name=app_name,
            redirect_uris=redirect_uris,
            scopes=[scope],
            public=public,
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
