"""``runnerly keys list|rotate|revoke``: the tokendealer's signing keys, through its admin
facade (``runnerly rotate-keys`` stays, as ``keys rotate``)."""

from __future__ import annotations

import click

from runnerly_admin import stores
from runnerly_admin.output import config_option, echo_json
from tokendealer import admin as tokendealer


@click.group()
def keys() -> None:
    """The tokendealer's signing keys: list, rotate, revoke."""


@keys.command("list")
@config_option
def list_keys(config: str | None) -> None:
    """The key that signs, the next one, the retired ones still published, and the
    revoked ones with when and by whom."""
    with stores.tokendealer(config) as settings:
        result = tokendealer.list_keys(settings)
    echo_json(result)


@keys.command("rotate")
@config_option
def rotate(config: str | None) -> None:
    """Sign with the pre-published next key from now on (as ``runnerly rotate-keys``)."""
    with stores.tokendealer(config) as settings:
        result = tokendealer.rotate_keys(settings)
    echo_json(result)


@keys.command("revoke")
@config_option
@click.argument("kid")
@click.option(
    "--rotate",
    "rotate_first",
    is_flag=True,
    help="Needed to revoke the key that signs: the next key signs in its place.",
)
@click.option(
    "--by",
    default=tokendealer.operator_name,
    show_default="the login name",
    help="Who revokes it (recorded with the time).",
)
def revoke(config: str | None, kid: str, rotate_first: bool, by: str) -> None:
    """Revoke a signing key now (a leak): withdrawn from the JWKS at once, its private
    half erased; the services refuse its tokens within the JWKS max-age (60 s).

    A kid made before 2026-12-07 may begin with "-": give it after the options and
    "--", as in ``keys revoke --rotate -- -Xy...``."""
    with stores.tokendealer(config) as settings:
        try:
            result = tokendealer.revoke_key(settings, kid, by=by, rotate=rotate_first)
        except tokendealer.KeyRingError as exc:
            raise click.ClickException(str(exc)) from None
    echo_json(result)
