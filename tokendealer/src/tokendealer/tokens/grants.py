"""The two grants: ``client_credentials`` and RFC 8693 token exchange for a runner."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import request

from runnerly_common.errors import APIError
from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from tokendealer.clients.models import Client
from tokendealer.runners import Runner, RunnerLookupFailed
from tokendealer.service import TokenDealer
from tokendealer.tokens.oauth import NO_STORE, OAuthError, form_value

log = logging.getLogger(__name__)
CLIENT_CREDENTIALS = "client_credentials"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
# A runner id as the dataservice writes it: one spelling per runner, so `03`, `+3` or `3.0`
# never pass for runner 3 (the id ends up as the token's `sub`, compared as text).
_RUNNER_ID = re.compile(r"[1-9][0-9]{0,18}")
_MAX_RUNNER_ID = 2**63 - 1  # the dataservice's 64-bit ids
ADMIN = "admin"


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


def _scopes(allowed: frozenset[str], default: frozenset[str] | None = None) -> list[str]:
    text = form_value("scope")
    if text is None:
        return sorted(allowed if default is None else default)
    requested = set(text.split())
    if not requested:
        raise OAuthError("invalid_scope", "scope is empty")
    refused = sorted(requested - allowed)
    if refused:
        raise OAuthError("invalid_scope", f"scope not allowed for this client: {' '.join(refused)}")
    return sorted(requested)


def response(token: str, claims: dict[str, Any], ttl: int, **extra: str) -> dict[str, Any]:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": claims["scope"],
        **extra,
    }


def client_credentials(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    if client.is_app:  # an app acts for runners who consented, never as itself
        raise OAuthError("unauthorized_client", "an app may not use client_credentials")
    audiences, scopes = _audiences(client), _scopes(client.scope_set)
    ttl = dealer.settings.access_token_ttl
    token, claims = dealer.issue_token(
        client_id=client.client_id,
        subject=client.client_id,
        audiences=audiences,
        scopes=scopes,
        ttl=ttl,
    )
    return response(token, claims, ttl)


def runner_id(subject: str) -> int:
    """The runner id of ``subject_token``, written canonically, else invalid_request."""
    if not _RUNNER_ID.fullmatch(subject) or int(subject) > _MAX_RUNNER_ID:
        raise OAuthError(
            "invalid_request",
            "subject_token must be a runner id: a positive integer with no sign, "
            "leading zero, spaces or decimals",
        )
    return int(subject)


def check_runner(dealer: TokenDealer, runner_id: int) -> Runner:
    """The runner from the dataservice; fails closed when it cannot tell."""
    try:
        runner = dealer.runners.find(runner_id)
    except RunnerLookupFailed as exc:
        log.error("token exchange for runner %s: %s", runner_id, exc)
        raise APIError(
            503,
            "service_unavailable",
            "runners cannot be checked right now; try again shortly",
            headers={**NO_STORE, "Retry-After": "5"},
            error="temporarily_unavailable",
            error_description="runners cannot be checked right now",
        ) from None
    # RFC 8693 §2.2.2: a subject_token unacceptable by policy is invalid_request.
    if runner is None:
        raise OAuthError("invalid_request", f"subject_token: there is no runner {runner_id}")
    if runner.disabled:
        raise OAuthError("invalid_request", f"subject_token: runner {runner_id} is disabled")
    return runner


def token_exchange(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    """A runner-scoped token for a client trusted to have authenticated that runner."""
    # An app gets a runner's token only with that runner's consent (apps/grants.py).
    if not client.user_scope_set or client.is_app:
        raise OAuthError("unauthorized_client", "this client may not obtain tokens for runners")
    subject, subject_type = form_value("subject_token"), form_value("subject_token_type")
    if not subject or not subject_type:
        raise OAuthError("invalid_request", "subject_token and subject_token_type are required")
    if subject_type != RUNNER_ID_TOKEN_TYPE:
        raise OAuthError("invalid_request", f"subject_token_type must be {RUNNER_ID_TOKEN_TYPE}")
    number = runner_id(subject)
    # `admin` only when asked for by name: a request without `scope` gets the rest.
    audiences = _audiences(client)
    scopes = _scopes(client.user_scope_set, client.user_scope_set - {ADMIN})
    runner = check_runner(dealer, number)  # last: a malformed request costs no lookup
    if ADMIN in scopes and not runner.is_admin:
        raise OAuthError("invalid_scope", f"runner {number} is not an administrator")
    ttl = dealer.settings.user_token_ttl
    token, claims = dealer.issue_token(
        client_id=client.client_id,
        subject=str(number),
        audiences=audiences,
        scopes=scopes,
        ttl=ttl,
        # RFC 8693 §4.1: the client acts on the runner's behalf.
        extra={"act": {"sub": client.client_id}},
    )
    return response(token, claims, ttl, issued_token_type=ACCESS_TOKEN_TYPE)


GRANTS = {CLIENT_CREDENTIALS: client_credentials, TOKEN_EXCHANGE: token_exchange}
