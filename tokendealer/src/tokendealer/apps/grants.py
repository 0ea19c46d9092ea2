"""The token endpoint for apps (decision 54): ``authorization_code`` with PKCE,
``refresh_token`` with rotation, and a personal access token exchanged (RFC 8693) for a
short-lived access token.

Every access token is a runner token as token exchange makes them (``sub`` the runner,
``act.sub`` and ``client_id`` the app, audience ``dataservice``, ``user_token_ttl``), so
the dataservice lets it reach that runner's data only.  Long-lived credentials (refresh
and personal tokens) are opaque, kept here as hashes, and never JWTs: verifiers refuse any
JWT living longer than 1200 s (decision 51).
"""

from __future__ import annotations

import time
from typing import Any

from tokendealer.apps import pkce
from tokendealer.apps.flow import (
    PERSONAL_PREFIX,
    active,
    claim_once,
    digest,
    new_id,
    new_refresh_token,
    revoke,
)
from tokendealer.apps.models import APP, PERSONAL, AuthorizationCode, RefreshToken, RunnerGrant
from tokendealer.apps.registry import AUDIENCE
from tokendealer.clients.models import Client
from tokendealer.runners import Runner
from tokendealer.service import TokenDealer
from tokendealer.tokens.grants import ACCESS_TOKEN_TYPE, check_runner, response
from tokendealer.tokens.oauth import OAuthError, form_value

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
PERSONAL_TOKEN_TYPE = "urn:runnerly:params:oauth:token-type:personal-access-token"
# The client a personal token's access tokens name: the runner's own tool, not an app
# (clients/registry.py refuses to register the name).
PERSONAL_CLIENT_ID = "personal-token"


def _required(name: str) -> str:
    value = form_value(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


def _narrowed(granted: frozenset[str]) -> list[str]:
    """``scope`` may narrow what was granted, never widen it (RFC 6749 §6)."""
    text = form_value("scope")
    if text is None:
        return sorted(granted)
    requested = set(text.split())
    refused = sorted(requested - granted)
    if refused or not requested:
        raise OAuthError("invalid_scope", f"scope beyond what was granted: {' '.join(refused)}")
    return sorted(requested)


def _runner_token(
    dealer: TokenDealer, client_id: str, runner: Runner, scopes: list[str], grant_id: str
) -> tuple[str, dict[str, Any], int]:
    ttl = dealer.settings.user_token_ttl
    token, claims = dealer.issue_token(
        client_id=client_id,
        subject=str(runner.id),
        audiences=[AUDIENCE],
        scopes=scopes,
        ttl=ttl,
        extra={"act": {"sub": client_id}, "grant_id": grant_id},
    )
    return token, claims, ttl


def authorization_code(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    code, redirect_uri = _required("code"), _required("redirect_uri")
    verifier = _required("code_verifier")
    now = time.time()
    with dealer.db.transaction() as session:
        row = session.get(AuthorizationCode, digest(code))
        if row is None or row.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown authorization code")
        first_use = claim_once(
            session, AuthorizationCode, AuthorizationCode.code_hash, row.code_hash, now
        )
        if not first_use and row.grant_id is not None:
            # OAuth 2.1 §4.1.3: a code used twice revokes what it issued.
            grant = session.get(RunnerGrant, row.grant_id)
            if grant is not None:
                revoke(grant, "authorization code reused", now)
        runner_id, scopes_text, expires_at = row.runner_id, row.scopes, row.expires_at
        asked_redirect, challenge = row.redirect_uri, row.code_challenge
    # Committed: the code is spent whatever comes next, a failed guess included.
    if not first_use:
        raise OAuthError("invalid_grant", "the authorization code was already used")
    if expires_at <= now:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if asked_redirect != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
    if not pkce.matches(verifier, challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
    runner = check_runner(dealer, runner_id)
    scopes = scopes_text.split()
    with dealer.db.transaction() as session:
        grant = RunnerGrant(
            id=new_id(),
            runner_id=runner.id,
            kind=APP,
            client_id=client.client_id,
            name="",
            scopes=" ".join(scopes),
            created_at=now,
            last_used_at=now,
        )
        session.add(grant)
        session.flush()
        row = session.get(AuthorizationCode, digest(code))
        if row is not None:
            row.grant_id = grant.id
        refresh = new_refresh_token(session, grant, now)
        grant_id = grant.id
    token, claims, ttl = _runner_token(dealer, client.client_id, runner, scopes, grant_id)
    return response(token, claims, ttl, refresh_token=refresh)


def refresh_token(dealer: TokenDealer, client: Client) -> dict[str, Any]:
    presented = _required("refresh_token")
    now = time.time()
    with dealer.db.transaction() as session:
        row = session.get(RefreshToken, digest(presented))
        grant = session.get(RunnerGrant, row.grant_id) if row is not None else None
        if row is None or grant is None or grant.client_id != client.client_id:
            raise OAuthError("invalid_grant", "unknown refresh token")
        first_use = claim_once(session, RefreshToken, RefreshToken.token_hash, row.token_hash, now)
        if not first_use:
            # Rotation: an old token presented again means two parties hold the family (a
            # stolen copy); neither gets anything more from it (OAuth 2.1 §4.3.1).
            revoke(grant, "refresh token reused", now)
        in_force, expired = active(grant, now), row.expires_at <= now
        runner_id, granted, grant_id = grant.runner_id, grant.scope_set, grant.id
    if not first_use:
        raise OAuthError(
            "invalid_grant", "the refresh token was already used; the grant is revoked"
        )
    if not in_force:
        raise OAuthError("invalid_grant", "the runner revoked this app's access")
    if expired:
        raise OAuthError("invalid_grant", "the refresh token has expired")
    scopes = _narrowed(granted)
    runner = check_runner(dealer, runner_id)
    with dealer.db.transaction() as session:
        grant = session.get(RunnerGrant, grant_id)
        if grant is None or not active(grant, now):  # revoked meanwhile
            raise OAuthError("invalid_grant", "the runner revoked this app's access")
        grant.last_used_at = now
        refresh = new_refresh_token(session, grant, now)
        grant_id = grant.id
    token, claims, ttl = _runner_token(dealer, client.client_id, runner, scopes, grant_id)
    return response(token, claims, ttl, refresh_token=refresh)


def personal_token_exchange(dealer: TokenDealer) -> dict[str, Any]:
    """RFC 8693 with the personal token as ``subject_token``: the token is the credential,
    no client authenticates."""
    presented = _required("subject_token")
    now = time.time()
    with dealer.db.transaction() as session:
        grant = None
        if presented.startswith(PERSONAL_PREFIX):
            grant = session.query(RunnerGrant).filter_by(secret_hash=digest(presented)).first()
        # RFC 8693 §2.2.2: a subject_token that is not valid is invalid_request.
        if grant is None or grant.kind != PERSONAL or grant.revoked_at is not None:
            raise OAuthError("invalid_request", "subject_token: unknown or revoked personal token")
        if grant.expires_at is not None and grant.expires_at <= now:
            raise OAuthError("invalid_request", "subject_token: the personal token has expired")
        granted, runner_id, grant_id = grant.scope_set, grant.runner_id, grant.id
    scopes = _narrowed(granted)
    runner = check_runner(dealer, runner_id)
    with dealer.db.transaction() as session:
        grant = session.get(RunnerGrant, grant_id)
        if grant is not None:
            grant.last_used_at = now
    token, claims, ttl = _runner_token(dealer, PERSONAL_CLIENT_ID, runner, scopes, grant_id)
    return response(token, claims, ttl, issued_token_type=ACCESS_TOKEN_TYPE)


APP_GRANTS = {AUTHORIZATION_CODE: authorization_code, REFRESH_TOKEN: refresh_token}
