"""The runner's side of apps (decision 54): an authorization request checked and, once the
runner consents in runnerly-web, answered with a code; the runner's grants listed and
revoked; personal access tokens made.

runnerly-web calls these for the runner it has logged in (the client trusted to exchange
tokens for runners); the app never reaches them.  Errors follow RFC 6749 §4.1.2.1: a
request whose app or redirect URI cannot be trusted is refused here and never redirected;
any other error is sent back to the app at its redirect URI.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runnerly_common.errors import APIError
from tokendealer.apps import pkce
from tokendealer.apps.models import APP, PERSONAL, AuthorizationCode, RefreshToken, RunnerGrant
from tokendealer.apps.registry import APP_SCOPES, redirect_uri_allowed
from tokendealer.clients.models import Client

CODE_TTL = 60  # OAuth 2.1 §4.1.2: short-lived; one minute is a redirect and a POST
REFRESH_TTL = 30 * 86400  # a refresh token unused for 30 days ends; each use makes a new one
PERSONAL_DAYS = (1, 365)
PERSONAL_PREFIX = "rly_pat_"  # recognisable in a leaked file, by secret scanners too
REFRESH_PREFIX = "rly_rt_"


def digest(secret: str) -> str:
    """How a code or token is stored: 256 random bits need no slow hash (clients/registry)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


class AuthorizeError(APIError):
    """An authorization request refused: ``redirect_to`` is where the runner's browser
    goes (the app's redirect URI with ``error``), or None when the app cannot be trusted
    with a redirect."""

    def __init__(self, error: str, description: str, redirect_to: str | None) -> None:
        extra: dict[str, Any] = {"error": error, "error_description": description}
        if redirect_to is not None:
            extra["redirect_to"] = redirect_to
        super().__init__(400, error, description, **extra)


@dataclasses.dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    state: str | None

    def describe(self) -> dict[str, Any]:
        return {
            "client_id": self.client.client_id,
            "app_name": self.client.app_name,
            "scopes": self.scopes,
            "redirect_uri": self.redirect_uri,
        }


def redirect_with(uri: str, params: dict[str, str | None]) -> str:
    """``uri`` with ``params`` added to its query (RFC 6749 §4.1.2: keep what it holds)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_request(session: Session, params: dict[str, Any], issuer: str) -> AuthorizationRequest:
    client_id = params.get("client_id") or ""
    client = session.get(Client, client_id) if len(client_id) <= 64 else None
    if client is None or not client.is_app or client.disabled:
        raise AuthorizeError("invalid_client", f"there is no app {client_id[:64]!r}", None)
    redirect_uri = params.get("redirect_uri") or ""
    if not redirect_uri:
        raise AuthorizeError("invalid_request", "redirect_uri is required", None)
    if not redirect_uri_allowed(client, redirect_uri):
        raise AuthorizeError("invalid_request", "redirect_uri is not one this app registered", None)
    state = params.get("state")

    def refuse(error: str, description: str) -> AuthorizeError:
        return AuthorizeError(
            error,
            description,
            redirect_with(
                redirect_uri,
                {"error": error, "error_description": description, "state": state, "iss": issuer},
            ),
        )

    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "response_type must be code")
    challenge = params.get("code_challenge") or ""
    if params.get("code_challenge_method") != pkce.S256:
        raise refuse("invalid_request", "code_challenge_method must be S256 (PKCE is required)")
    if not pkce.CHALLENGE.fullmatch(challenge):
        raise refuse("invalid_request", "code_challenge must be 43 base64url characters (S256)")
    allowed = client.user_scope_set & APP_SCOPES
    text = params.get("scope")
    requested = set(text.split()) if text is not None else set(allowed)
    refused = sorted(requested - allowed)
    if refused or not requested:
        raise refuse("invalid_scope", f"scope not allowed for this app: {' '.join(refused)}")
    return AuthorizationRequest(client, redirect_uri, sorted(requested), challenge, state)


def answer(
    session: Session, request: AuthorizationRequest, runner_id: int, allow: bool, issuer: str
) -> str:
    """The URI the runner's browser goes to: a code on consent, ``access_denied`` else."""
    if not allow:
        params = {
            "error": "access_denied",
            "error_description": "the runner did not allow access",
            "state": request.state,
            "iss": issuer,
        }
        return redirect_with(request.redirect_uri, params)
    code = secrets.token_urlsafe(32)
    now = time.time()
    session.add(
        AuthorizationCode(
            code_hash=digest(code),
            client_id=request.client.client_id,
            runner_id=runner_id,
            scopes=" ".join(request.scopes),
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
    )
    # RFC 9207: `iss` tells a client talking to several servers which one answered.
    params = {"code": code, "state": request.state, "iss": issuer}
    return redirect_with(request.redirect_uri, params)


def claim_once(session: Session, model: Any, column: Any, key: str, now: float) -> bool:
    """Mark a code or refresh token used; False when it already was (a single UPDATE, so
    two requests presenting it at once cannot both win)."""
    result = session.execute(
        update(model).where(column == key, model.used_at.is_(None)).values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def revoke(grant: RunnerGrant, reason: str, now: float) -> None:
    if grant.revoked_at is None:
        grant.revoked_at = now
        grant.revoked_reason = reason


def new_refresh_token(session: Session, grant: RunnerGrant, now: float) -> str:
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=digest(token),
            grant_id=grant.id,
            created_at=now,
            expires_at=now + REFRESH_TTL,
        )
    )
    return token


def active(grant: RunnerGrant, now: float) -> bool:
    return grant.revoked_at is None and (grant.expires_at is None or grant.expires_at > now)


def grants_of(session: Session, runner_id: int) -> list[dict[str, Any]]:
    """The runner's apps and personal tokens still in force, newest first."""
    now = time.time()
    rows = session.execute(
        select(RunnerGrant, Client.app_name)
        .outerjoin(Client, Client.client_id == RunnerGrant.client_id)
        .where(RunnerGrant.runner_id == runner_id, RunnerGrant.revoked_at.is_(None))
        .order_by(RunnerGrant.created_at.desc())
    ).all()
    return [describe(grant, app_name) for grant, app_name in rows if active(grant, now)]


def describe(grant: RunnerGrant, app_name: str | None) -> dict[str, Any]:
    return {
        "id": grant.id,
        "kind": grant.kind,
        "client_id": grant.client_id,
        "name": app_name if grant.kind == APP else grant.name,
        "scopes": sorted(grant.scope_set),
        "created_at": _instant(grant.created_at),
        "last_used_at": _instant(grant.last_used_at),
        "expires_at": _instant(grant.expires_at),
    }


def _instant(value: float | None) -> str | None:
    if value is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value))


def revoke_for_runner(session: Session, runner_id: int, grant_id: str) -> None:
    grant = session.get(RunnerGrant, grant_id) if len(grant_id) <= 32 else None
    # Another runner's grant is as absent as one that never was.
    if grant is None or grant.runner_id != runner_id or grant.revoked_at is not None:
        raise APIError(404, "not_found", f"no app or token {grant_id[:32]!r} for this runner")
    revoke(grant, "revoked by the runner", time.time())


def create_personal_token(
    session: Session, runner_id: int, name: str, scopes: list[str], days: int
) -> tuple[str, dict[str, Any]]:
    """A personal access token: shown this once, stored as its SHA-256."""
    refused = sorted(set(scopes) - APP_SCOPES)
    if refused or not scopes:
        raise APIError(
            400,
            "invalid_scope",
            f"a personal token may have {', '.join(sorted(APP_SCOPES))}; not "
            f"{' '.join(refused) or 'nothing'}",
            errors=[{"field": "body.scopes", "message": "choose among the runner scopes"}],
        )
    if not PERSONAL_DAYS[0] <= days <= PERSONAL_DAYS[1]:
        raise APIError(400, "invalid_request", "a personal token lasts 1 to 365 days")
    token = PERSONAL_PREFIX + secrets.token_urlsafe(32)
    now = time.time()
    grant = RunnerGrant(
        id=new_id(),
        runner_id=runner_id,
        kind=PERSONAL,
        client_id=None,
        name=name.strip() or "personal token",
        scopes=" ".join(sorted(set(scopes))),
        created_at=now,
        expires_at=now + days * 86400,
        secret_hash=digest(token),
    )
    session.add(grant)
    session.flush()
    return token, describe(grant, None)
