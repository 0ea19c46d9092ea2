"""The tokendealer's admin API: public and stable, for operators' tools (``runnerly``).

This module is the one way into the tokendealer for code outside it that does not speak
HTTP: everything else in the package (models, the client registry, the key ring) is
internal and changes without notice (docs/decisions.md, 35).  Each function opens the
tokendealer's database from its settings as the service itself does (tables and first keys
ensured, as ``tokendealer serve`` does at start), does its work in one transaction and
closes it again, and returns plain JSON-ready dicts.

Errors a caller can cause (a taken or invalid client name, an unknown scope word) are
:class:`RegistryError`, and those of the key ring (an unknown key, revoking the key that
signs without rotating) :class:`KeyRingError`; their messages are fit for an operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from tokendealer.clients import registry
from tokendealer.clients.registry import RegistryError
from tokendealer.keys.keyring import KeyRingError, operator_name
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings

__all__ = [
    "KeyRingError",
    "RegistryError",
    "TokenDealerSettings",
    "add_app",
    "add_client",
    "list_keys",
    "operator_name",
    "revoke_key",
    "rotate_keys",
]


@contextmanager
def _transaction(settings: TokenDealerSettings) -> Iterator[tuple[TokenDealer, Session]]:
    dealer = TokenDealer(settings)
    try:
        dealer.setup()
        with dealer.db.transaction() as session:
            yield dealer, session
    finally:
        dealer.db.dispose()


def add_client(
    settings: TokenDealerSettings,
    name: str,
    *,
    audiences: Iterable[str],
    scopes: Iterable[str],
    user_scopes: Iterable[str] = (),
) -> dict[str, Any]:
    """Register an OAuth client: ``client_id``, ``audiences``, ``scopes``, ``user_scopes``,
    ``disabled`` and ``client_secret``, the secret this once (it is stored hashed).
    ``scopes`` and ``user_scopes`` are words or space-separated strings of them."""
    with _transaction(settings) as (_dealer, session):
        client, secret = registry.register(
            session, name, audiences=audiences, scopes=scopes, user_scopes=user_scopes
        )
        return {**client.describe(), "client_secret": secret}


def add_app(
    settings: TokenDealerSettings,
    client_id: str,
    *,
    name: str,
    redirect_uris: Iterable[str],
    scopes: Iterable[str],
    public: bool = False,
) -> dict[str, Any]:
    """Register a third-party app for the authorization code flow (decision 54): as
    :func:`add_client` plus ``app_name``, ``redirect_uris`` and ``public``;
    ``client_secret`` is ``None`` for a public app."""
    from tokendealer.apps.registry import register_app

    with _transaction(settings) as (_dealer, session):
        client, secret = register_app(
            session, client_id, name=name, redirect_uris=redirect_uris, scopes=scopes, public=public
        )
        return {**client.describe(), "client_secret": secret}


def rotate_keys(settings: TokenDealerSettings) -> dict[str, Any]:
    """Sign with the pre-published next key from now on (a new next key is published);
    returns the key ring as it now is.  Retired keys stay published until the tokens they
    signed expire."""
    with _transaction(settings) as (dealer, session):
        return dealer.keyring.rotate(session)


def list_keys(settings: TokenDealerSettings) -> dict[str, Any]:
    """The key ring: ``current``, ``next`` and ``retired`` kids (all published) and the
    ``revoked`` keys with ``revoked_at`` (Unix time) and ``revoked_by``."""
    with _transaction(settings) as (dealer, session):
        return dealer.keyring.describe(session)


def revoke_key(
    settings: TokenDealerSettings, kid: str, *, by: str, rotate: bool = False
) -> dict[str, Any]:
    """Revoke a signing key now: out of the JWKS at once (verifiers drop it within the
    JWKS max-age), its private half erased, who and when recorded.  The key that signs
    needs ``rotate=True`` (the next key takes over), else :class:`KeyRingError`; a key
    already revoked is left as it is (``revoked_now`` is then ``None``).  Returns the key
    ring as it now is."""
    with _transaction(settings) as (dealer, session):
        return dealer.keyring.revoke(session, kid, by=by, rotate=rotate)
