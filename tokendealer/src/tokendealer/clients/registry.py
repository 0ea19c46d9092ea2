"""Register, authenticate and remove clients.

Client secrets are 256-bit random values we generate, so a salted HMAC-SHA256 is as strong
as a slow password KDF would be while keeping the token endpoint fast; the comparison is
constant-time, and an unknown client costs the same work as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tokendealer.clients.models import Client

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_TOKEN = re.compile(r"[A-Za-z0-9:._-]{1,64}")
_DUMMY_SALT = secrets.token_hex(16)
# Client ids tokens name without a registered client: the tokendealer's own, and a
# personal access token's (apps/grants.py).
RESERVED = frozenset({"tokendealer", "personal-token"})


class RegistryError(ValueError):
    """A client cannot be registered or changed as asked; the message says why."""


def _hash(salt: str, secret: str) -> str:
    return hmac.new(salt.encode(), secret.encode(), hashlib.sha256).hexdigest()


def words(values: Iterable[str], what: str) -> str:
    """Scopes or audiences as the registry stores them: sorted, unique, each checked."""
    words = sorted({w for value in values for w in value.split()})
    for word in words:
        if not _TOKEN.fullmatch(word):
            raise RegistryError(f"invalid {what}: {word!r}")
    return " ".join(words)


def register(
    session: Session,
    name: str,
    *,
    audiences: Iterable[str],
    scopes: Iterable[str],
    user_scopes: Iterable[str] = (),
) -> tuple[Client, str]:
    """Create a client; returns it with its secret, which is shown this once only."""
    if not _NAME.fullmatch(name):
        raise RegistryError("client name must be 2-64 lowercase letters, digits, '.', '_' or '-'")
    if name in RESERVED:
        raise RegistryError(f"client name {name!r} is reserved")
    if session.get(Client, name) is not None:
        raise RegistryError(f"client {name!r} already exists")
    audience_text = words(audiences, "audience")
    if not audience_text:
        raise RegistryError("a client needs at least one audience")
    client = Client(
        client_id=name,
        audiences=audience_text,
        scopes=words(scopes, "scope"),
        user_scopes=words(user_scopes, "scope"),
        disabled=False,
        created_at=time.time(),
    )
    secret = set_secret(client)
    session.add(client)
    session.flush()
    return client, secret


def reset_secret(session: Session, name: str) -> str:
    client = session.get(Client, name)
    if client is None:
        raise RegistryError(f"no client named {name!r}")
    return set_secret(client)


def set_secret(client: Client, secret: str | None = None) -> str:
    """Give ``client`` a new secret (``secret``, or a random one) and return it."""
    secret = secret or secrets.token_urlsafe(32)
    client.secret_salt = secrets.token_hex(16)
    client.secret_hash = _hash(client.secret_salt, secret)
    return secret


def remove(session: Session, name: str) -> None:
    client = session.get(Client, name)
    if client is None:
        raise RegistryError(f"no client named {name!r}")
    session.delete(client)


def find(session: Session, name: str) -> Client | None:
    return session.get(Client, name)


def all_clients(session: Session) -> list[Client]:
    return list(session.scalars(select(Client).order_by(Client.client_id)))


def authenticate(session: Session, client_id: str, secret: str) -> Client | None:
    """The client if ``secret`` is right and it is enabled, else None."""
    client = session.get(Client, client_id) if len(client_id) <= 64 else None
    salt = client.secret_salt if client else _DUMMY_SALT
    expected = client.secret_hash if client else _hash(_DUMMY_SALT, "")
    matches = hmac.compare_digest(_hash(salt, secret), expected)
    if client is None or not matches or client.disabled:
        return None
    return client
