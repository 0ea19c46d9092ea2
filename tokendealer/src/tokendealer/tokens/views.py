"""``/oauth/token``, ``/oauth/introspect`` (RFC 7662) and the book's ``/verify_token``.

Introspection and ``/verify_token`` tell a token's claims only to a client that may know
them (RFC 7662 §4): the token's own client, or the resource server the token is for, i.e.
a client registered under the name of one of the token's audiences (``dataservice``).
Any other authenticated client learns nothing: introspection answers ``active: false``,
exactly as for a token that is not valid, so tokens cannot be probed.
"""

from __future__ import annotations

from typing import Any

import jwt
from flask import request

from runnerly_common.auth import InvalidToken
from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, request_body
from runnerly_common.service_client import TOKEN_EXCHANGE
from tokendealer.apps.grants import APP_GRANTS, PERSONAL_TOKEN_TYPE, personal_token_exchange
from tokendealer.apps.registry import identify_public_app
from tokendealer.clients.models import Client
from tokendealer.service import TokenDealer, dealer
from tokendealer.tokens.grants import GRANTS
from tokendealer.tokens.oauth import NO_STORE, OAuthError, authenticate_client, form_value


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("issueToken")
    def issue_token() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        return _token_response(td), 200, NO_STORE

    @api.operation("introspectToken")
    def introspect_token() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        caller = authenticate_client(td.db.reader)
        token = form_value("token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        try:
            claims = td.verifier.verify(token)
        except InvalidToken:
            return {"active": False}, 200, NO_STORE
        if not may_know(caller, claims):
            return {"active": False}, 200, NO_STORE
        return {"active": True, "token_type": "Bearer", **claims}, 200, NO_STORE

    @api.operation("verifyToken")
    def verify_token() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        caller = authenticate_client(td.db.reader)
        body = request_body()
        # Decided on what the token claims, before it is verified: a refusal then says
        # nothing about whether the token is valid.
        claimed = _unverified_claims(body["access_token"])
        if claimed is not None and not may_know(caller, claimed):
            raise APIError(
                403,
                "not_your_token",
                "only the token's own client or the resource server it is for may verify it",
                headers=NO_STORE,
            )
        try:
            claims = td.verifier.verify(body["access_token"], audience=body["audience"])
        except InvalidToken as exc:
            raise APIError(400, "invalid_token", str(exc), headers=NO_STORE) from None
        return claims, 200, NO_STORE


def _token_response(td: TokenDealer) -> dict[str, Any]:
    grant_type = form_value("grant_type")
    credentials = bool(request.headers.get("Authorization")) or form_value("client_secret")
    if not credentials:
        # Who may ask without a secret: a personal token's holder (the token is the
        # credential) and a public app (PKCE, or its refresh token, stands in for one).
        personal = form_value("subject_token_type") == PERSONAL_TOKEN_TYPE
        if grant_type == TOKEN_EXCHANGE and personal and form_value("client_id") is None:
            return personal_token_exchange(td)
        if grant_type in APP_GRANTS and form_value("client_id"):
            return APP_GRANTS[grant_type](td, identify_public_app(td.db.reader))
    client = authenticate_client(td.db.reader)
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    grant = {**GRANTS, **APP_GRANTS}.get(grant_type)
    if grant is None:
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type[:80]!r} is not supported"
        )
    if grant_type in APP_GRANTS and not client.is_app:
        raise OAuthError("unauthorized_client", f"{grant_type} is for registered apps")
    return grant(td, client)


def may_know(caller: Client, claims: dict[str, Any]) -> bool:
    """Whether ``caller`` is the token's own client or a resource server it is meant for."""
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list):
        audiences = []
    return caller.client_id == claims.get("client_id") or caller.client_id in [
        a for a in audiences if isinstance(a, str)
    ]


def _unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims a token carries, unchecked; None when it cannot even be read (the
    verification then says why)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError):
        return None
    return claims if isinstance(claims, dict) else None
