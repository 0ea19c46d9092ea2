"""``tokendealer``: serve, manage clients, rotate keys, bootstrap a deployment."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from runnerly_common import cli
from runnerly_common.settings import SettingsError
from tokendealer.bootstrap import bootstrap_clients
from tokendealer.clients import registry
from tokendealer.keys.keyring import KeyRingError, operator_name
from tokendealer.migrate import SchemaError, current, upgrade
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


def _dealer(config: str | None) -> TokenDealer:
    td = TokenDealer(cli.load_settings(TokenDealerSettings, config))
    try:
        td.setup()
    except (SettingsError, SchemaError) as exc:  # a wrong passphrase, a foreign schema
        raise click.ClickException(str(exc)) from None
    return td


def _print(data: Any) -> None:
    click.echo(json.dumps(data, indent=2))


config_option = cli.config_option(TokenDealerSettings.SECTION)


def _load_app(settings: TokenDealerSettings) -> Any:
    from tokendealer.app import create_app

    return create_app(settings, setup=False)


def _setup(settings: TokenDealerSettings) -> None:
    TokenDealer(settings).setup()  # the schema and the first keys, before workers fork


@click.group()
def main() -> None:
    """Runnerly's authorization server."""


main.add_command(
    cli.serve_command(
        TokenDealerSettings,
        default_port=5001,
        load_app=_load_app,
        prepare=_setup,
        summary="Serve the token endpoint and JWKS with gunicorn.",
    )
)


@main.command()
@config_option
@click.option("--revision", default="head", show_default=True)
def migrate(config: str | None, revision: str) -> None:
    """Bring the database schema up to date (every start does it too; safe to run again).
    A database made before migrations is adopted once its tables are checked."""
    settings = cli.load_settings(TokenDealerSettings, config)
    try:
        upgrade(settings.database_url, revision)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from None
    _print({"migrated_to": current(settings.database_url)})


@main.command("add-client")
@config_option
@click.argument("name")
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    required=True,
    help="A service the client may get tokens for (repeatable).",
)
@click.option(
    "--scope", "scope", default="", help='Scopes it may have, e.g. "runs:read runs:write".'
)
@click.option(
    "--user-scope",
    "user_scope",
    default="",
    help="Scopes it may obtain for a runner by token exchange (none by default).",
)
def add_client(
    config: str | None, name: str, audiences: tuple[str, ...], scope: str, user_scope: str
) -> None:
    """Register a client; prints its secret this once."""
    td = _dealer(config)
    try:
        with td.db.transaction() as session:
            client, secret = registry.register(
                session, name, audiences=audiences, scopes=[scope], user_scopes=[user_scope]
            )
            client_id = client.client_id
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    _print({"client_id": client_id, "client_secret": secret})


@main.command("add-app")
@config_option
@click.argument("client_id")
@click.option("--name", "app_name", required=True, help="The app's name, as runners see it.")
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    required=True,
    help="Where codes may be sent (repeatable): https, or http on 127.0.0.1/[::1]/localhost "
    "for a native app (any port then).",
)
@click.option(
    "--scope",
    "scope",
    required=True,
    help='Runner scopes it may ask for, among "runs:read runs:write users:read reports:read".',
)
@click.option(
    "--public",
    is_flag=True,
    help="A public app (a script, a native or browser app): no secret, PKCE only.",
)
def add_app(
    config: str | None,
    client_id: str,
    app_name: str,
    redirect_uris: tuple[str, ...],
    scope: str,
    public: bool,
) -> None:
    """Register a third-party app for the authorization code flow (decision 54); prints its
    secret this once (a confidential app's)."""
    from tokendealer.apps.registry import register_app

    td = _dealer(config)
    try:
        with td.db.transaction() as session:
            client, secret = register_app(
                session,
                client_id,
                name=app_name,
                redirect_uris=redirect_uris,
                scopes=[scope],
                public=public,
            )
            described = client.describe()
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    _print({**described, "client_secret": secret})


@main.command("remove-client")
@config_option
@click.argument("name")
def remove_client(config: str | None, name: str) -> None:
    """Remove a client: its secret stops working at once."""
    td = _dealer(config)
    try:
        with td.db.transaction() as session:
            registry.remove(session, name)
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    _print({"removed": name})


@main.command("reset-secret")
@config_option
@click.argument("name")
def reset_secret(config: str | None, name: str) -> None:
    """Give a client a new secret (the old one stops working); prints it once."""
    td = _dealer(config)
    try:
        with td.db.transaction() as session:
            secret = registry.reset_secret(session, name)
    except registry.RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    _print({"client_id": name, "client_secret": secret})


@main.command("list-clients")
@config_option
def list_clients(config: str | None) -> None:
    """List clients with their audiences and scopes (never secrets)."""
    td = _dealer(config)
    with td.db.transaction() as session:
        _print([c.describe() for c in registry.all_clients(session)])


@main.command("rotate-keys")
@config_option
def rotate_keys(config: str | None) -> None:
    """Promote the pre-published next key to signing; old keys stay published until
    their tokens expire."""
    td = _dealer(config)
    with td.db.transaction() as session:
        _print(td.keyring.rotate(session))


@main.group()
def keys() -> None:
    """The signing keys: list, rotate, revoke."""


@keys.command("list")
@config_option
def list_keys(config: str | None) -> None:
    """The key that signs, the next one, the retired ones still published, and the
    revoked ones (when, by whom)."""
    td = _dealer(config)
    with td.db.transaction() as session:
        _print(td.keyring.describe(session))


@keys.command("rotate")
@config_option
def keys_rotate(config: str | None) -> None:
    """The same as ``rotate-keys``."""
    td = _dealer(config)
    with td.db.transaction() as session:
        _print(td.keyring.rotate(session))


@keys.command("revoke")
@config_option
@click.argument("kid")
@click.option(
    "--rotate",
    is_flag=True,
    help="Needed to revoke the key that signs: the next key signs in its place.",
)
@click.option(
    "--by",
    default=operator_name,
    show_default="the login name",
    help="Who revokes it (recorded with the time).",
)
def keys_revoke(config: str | None, kid: str, rotate: bool, by: str) -> None:
    """Revoke a signing key now (a leak): withdrawn from the JWKS at once, its private half
    erased; services stop accepting its tokens within the JWKS max-age (60 s).

    A kid made before 2026-12-07 may begin with "-": give it after the options and
    "--", as in ``keys revoke --rotate -- -Xy...``."""
    td = _dealer(config)
    try:
        with td.db.transaction() as session:
            _print(td.keyring.revoke(session, kid, by=by, rotate=rotate))
    except KeyRingError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@config_option
@click.option(
    "--clients",
    "clients_file",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="TOML file listing the suite's clients.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    required=True,
    help="Env file where the clients' ids and secrets are written.",
)
def bootstrap(config: str | None, clients_file: str, env_file: str) -> None:
    """Create keys and the suite's clients; write their credentials to an env file."""
    td = _dealer(config)
    written = bootstrap_clients(td, Path(clients_file), Path(env_file))
    _print({"clients_written": written, "env_file": env_file})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
