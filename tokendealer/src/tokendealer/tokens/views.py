"""``/oauth/token``, ``/oauth/introspect`` (RFC 7662) and the book's ``/verify_token``."""

from __future__ import annotations

from typing import Any

from runnerly_common.auth import InvalidToken
from runnerly_common.errors import APIError
from runnerly_common.openapi import OpenAPIBlueprint, request_body
from tokendealer.service import dealer
from tokendealer.tokens.grants import GRANTS
from tokendealer.tokens.oauth import NO_STORE, OAuthError, authenticate_client, form_value


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("issueToken")
    def issue_token() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        client = authenticate_client(td.db.reader)
        grant_type = form_value("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        grant = GRANTS.get(grant_type)
        if grant is None:
            raise OAuthError(
                "unsupported_grant_type", f"grant_type {grant_type[:80]!r} is not supported"
            )
        return grant(td, client), 200, NO_STORE

    @api.operation("introspectToken")
    def introspect_token() -> tuple[dict[str, Any], int, dict[str, str]]:
        td = dealer()
        authenticate_client(td.db.reader)
        token = form_value("token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        try:
            claims = td.verifier.verify(token)
        except InvalidToken:
            return {"active": False}, 200, NO_STORE
        return {"active": True, "token_type": "Bearer", **claims}, 200, NO_STORE

    @api.operation("verifyToken")
    def verify_token() -> dict[str, Any]:
        body = request_body()
        try:
            return dealer().verifier.verify(body["access_token"], audience=body["audience"])
        except InvalidToken as exc:
            raise APIError(400, "invalid_token", str(exc)) from None
