"""Register third-party apps: who they are to a runner, where codes may be sent, and the
runner scopes they may ask for."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tokendealer.clients import registry
from tokendealer.clients.models import Client
from tokendealer.clients.registry import RegistryError
from tokendealer.tokens.oauth import form_value, invalid_client

# What a runner may grant an app: their runs and profile to read, their runs to write and
# their reports.  Never `admin`, `strava:tokens` (a Strava credential), or `users:write`
# (it changes the account itself: email, and deletion).
APP_SCOPES = frozenset({"runs:read", "runs:write", "users:read", "reports:read"})
AUDIENCE = "dataservice"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def check_redirect_uri(uri: str) -> str:
    """An https URI, or http on a loopback address for a native app (RFC 8252 §7.3); no
    fragment (RFC 6749 §3.1.2), nothing but a plain absolute URI."""
    if len(uri) > 512 or any(c.isspace() or ord(c) < 32 for c in uri):
        raise RegistryError(f"invalid redirect URI {uri[:80]!r}")
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        raise RegistryError(f"a redirect URI has no fragment: {uri!r}")
    if parts.username is not None or parts.password is not None:
        raise RegistryError(f"a redirect URI has no user or password: {uri!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise RegistryError(f"invalid port in redirect URI {uri!r}") from None
    if parts.scheme == "https" and parts.hostname:
        return uri
    if is_loopback(uri):
        host = parts.hostname or ""
        if host != "localhost":
            ipaddress.ip_address(host)
        return uri
    raise RegistryError(
        f"a redirect URI must be https, or http on 127.0.0.1, [::1] or localhost: {uri!r}"
    )


def redirect_uri_allowed(client: Client, uri: str) -> bool:
    """Exact string match (OAuth 2.1 §2.3.1), except that a loopback URI matches on any
    port: a native app listens where the system lets it (RFC 8252 §7.3)."""
    if uri in client.redirect_uri_list:
        return True
    if not is_loopback(uri):
        return False
    asked = urlsplit(uri)
    for registered in client.redirect_uri_list:
        known = urlsplit(registered)
        if is_loopback(registered) and (
            (known.hostname, known.path, known.query) == (asked.hostname, asked.path, asked.query)
        ):
            return True
    return False


def register_app(
    session: Session,
    client_id: str,
    *,
    name: str,
    redirect_uris: Iterable[str],
    scopes: Iterable[str],
    public: bool,
) -> tuple[Client, str | None]:
    """Register an app; returns it with its secret (None for a public app), shown once."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise RegistryError("an app's name is 1 to 100 characters")
    uris = [check_redirect_uri(u) for value in redirect_uris for u in value.split()]
    if not uris:
        raise RegistryError("an app needs at least one redirect URI")
    scope_text = registry.words(scopes, "scope")
    refused = sorted(set(scope_text.split()) - APP_SCOPES)
    if refused:
        raise RegistryError(
            f"an app may not have {' '.join(refused)}; app scopes: {' '.join(sorted(APP_SCOPES))}"
        )
    if not scope_text:
        raise RegistryError("an app needs at least one scope")
    # No service scopes: an app never gets client_credentials, only tokens for a runner.
    client, secret = registry.register(
        session, client_id, audiences=[AUDIENCE], scopes=[], user_scopes=[scope_text]
    )
    client.app_name = name
    client.redirect_uris = " ".join(dict.fromkeys(uris))
    client.public = public
    if public:
        registry.set_secret(client, secrets.token_urlsafe(32))  # never told to anyone
        return client, None
    return client, secret


def identify_public_app(session: Session) -> Client:
    """A public app, named by ``client_id`` alone (RFC 6749 §3.2.1): one that holds no
    secret.  A confidential app must authenticate."""
    client_id = form_value("client_id") or ""
    client = session.get(Client, client_id) if len(client_id) <= 64 else None
    if client is None or client.disabled or not client.is_app:
        raise invalid_client("unknown app")
    if not client.public:
        raise invalid_client("this app is confidential: authenticate with its secret")
    return client
