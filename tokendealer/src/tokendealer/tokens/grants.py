"""The two grants: ``client_credentials`` and RFC 8693 token exchange for a runner."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from tokendealer.clients.models import Client
from tokendealer.service import TokenDealer
from tokendealer.tokens.oauth import OAuthError, form_value

CLIENT_CREDENTIALS = "client_credentials"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
_RUNNER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _audiences(client: Client) -> list[str]:
    requested = [a for value in request.form.getlist("audience") for a in value.split()]
    if not requested:
        if len(client.audience_set) == 1:
            return sorted(client.audience_set)
        raise OAuthError("invalid_request", "audience is required: this client has several")
    refused = sorted(set(requested) - client.audience_set)
    if refused:
        # RFC 8707 §2 / RFC 8693 §2.2.2
        raise OAuthError(
            "invalid_target", f"audience not allowed for this client: {' '.join(refused)}"
        )
    return sorted(set(requested))


def _scopes(allowed: frozenset[str]) -> list[str]:
    text = form_value("scope")
    if text is None:
        return sorted(allowed)
    requested = set(text.split())
    if not requested:
        raise OAuthError("invalid_scope", "scope is empty")
    refused = sorted(requested - allowed)
    if refused:
        raise OAuthError("invalid_scope", f"scope not allowed for this client: {' '.join(refused)}")
    return sorted(requested)


def _response(token: str, claims: dict[str, Any], ttl: int, **extra: str) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": claims["scope"],
        **extra,
    }


def client_credentials(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    audiences, scopes = _audiences(client), _scopes(client.scope_set)
    ttl = dealer.settings.access_token_ttl
    token, claims = dealer.issue_token(
        client_id=client.client_id,
        subject=client.client_id,
        audiences=audiences,
        scopes=scopes,
        ttl=ttl,
    )
    return _response(token, claims, ttl)


def token_exchange(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    """A runner-scoped token for a client trusted to have authenticated that runner."""
    if not client.user_scope_set:
        raise OAuthError("unauthorized_client", "this client may not obtain tokens for runners")
    subject, subject_type = form_value("subject_token"), form_value("subject_token_type")
    if not subject or not subject_type:
        raise OAuthError("invalid_request", "subject_token and subject_token_type are required")
    if subject_type != RUNNER_ID_TOKEN_TYPE:
        raise OAuthError("invalid_request", f"subject_token_type must be {RUNNER_ID_TOKEN_TYPE}")
    if not _RUNNER_ID.fullmatch(subject):
        raise OAuthError("invalid_request", "subject_token is not a runner id")
    audiences, scopes = _audiences(client), _scopes(client.user_scope_set)
    ttl = dealer.settings.user_token_ttl
    token, claims = dealer.issue_token(
        client_id=client.client_id,
        subject=subject,
        audiences=audiences,
        scopes=scopes,
        ttl=ttl,
        # RFC 8693 §4.1: the client acts on the runner's behalf.
        extra={"act": {"sub": client.client_id}},
    )
    return _response(token, claims, ttl, issued_token_type=ACCESS_TOKEN_TYPE)


GRANTS = {CLIENT_CREDENTIALS: client_credentials, TOKEN_EXCHANGE: token_exchange}
