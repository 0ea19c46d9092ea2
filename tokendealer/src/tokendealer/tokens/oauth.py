"""OAuth 2.0 request parsing and errors (RFC 6749 §2.3.1, §5.2)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from flask import request
from sqlalchemy.orm import Session

from runnerly_common.errors import APIError
from tokendealer.clients import registry
from tokendealer.clients.models import Client

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_SINGLE = (
    "grant_type",
    "scope",
    "client_id",
    "client_secret",
    "subject_token",
    "subject_token_type",
    "token",
    "token_type_hint",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
)


class OAuthError(APIError):
    """An RFC 6749 error: ``error`` and ``error_description`` beside our own fields."""

    def __init__(
        self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            status,
            error,
            description,
            headers={**NO_STORE, **(headers or {})},
            error=error,
            error_description=description,
        )


def invalid_client(description: str) -> OAuthError:
    return OAuthError(
        "invalid_client",
        description,
        401,
        {"WWW-Authenticate": 'Basic realm="runnerly-tokendealer"'},
    )


def form_value(name: str) -> str | None:
    """A form parameter that may appear at most once (RFC 6749 §3.2)."""
    values = request.form.getlist(name)
    if len(values) > 1:
        raise OAuthError("invalid_request", f"parameter {name!r} is repeated")
    return values[0] if values else None


def check_repeated() -> None:
    for name in _SINGLE:
        form_value(name)


def client_credentials() -> tuple[str, str]:
    """The client id and secret from HTTP Basic or the form, never both."""
    header = request.headers.get("Authorization", "")
    form_id, form_secret = form_value("client_id"), form_value("client_secret")
    if header:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise invalid_client("client authentication must use HTTP Basic or form fields")
        if form_secret is not None:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise invalid_client("malformed HTTP Basic credentials") from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise invalid_client("malformed HTTP Basic credentials")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
        client_id, secret = unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
        if "\x00" in client_id or "\x00" in secret:  # no id has one; PostgreSQL refuses it
            raise invalid_client("malformed HTTP Basic credentials")
        if form_id is not None and form_id != client_id:
            raise OAuthError("invalid_request", "client_id differs from the authenticated client")
        return client_id, secret
    if form_id is None or form_secret is None:
        raise invalid_client("client authentication is required")
    return form_id, form_secret


def authenticate_client(session: Session) -> Client:
    client_id, secret = client_credentials()
    client = registry.authenticate(session, client_id, secret)
    if client is None:
        raise invalid_client("unknown client or wrong secret")
    return client
