"""Codes, token pairs, refresh, revocation: the OAuth rules, independent of HTTP so the
admin API (grant, expire, revoke) applies exactly the same ones."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from strava_sim.api.serialize import athlete_summary
from strava_sim.errors import bad_request, not_found, strava_error
from strava_sim.models import AccessToken, Athlete, AuthCode, Authorization
from strava_sim.service import Simulator

CODE_LIFETIME = 600
SAME_TOKEN_IF_LEFT = 3600  # Strava hands back the same access token with over 1 h left


def new_token() -> str:
    return secrets.token_hex(20)  # 40 hex characters, like Strava's


def check_client(simulator: Simulator, client_id: Any, client_secret: Any = None) -> int:
    """The one application the sim knows; ``client_secret`` is checked when given."""
    if str(client_id or "") != str(simulator.settings.client_id):
        raise bad_request("Application", "client_id")
    if client_secret is not None and not hmac.compare_digest(
        str(client_secret).encode(), simulator.settings.client_secret.encode()
    ):
        raise strava_error(401, "Authorization Error", "Application", "client_secret", "invalid")
    return simulator.settings.client_id


def create_code(
    session: Session, simulator: Simulator, athlete_id: int, client_id: int, scope: str
) -> str:
    code = new_token()
    session.add(
        AuthCode(
            code=code,
            athlete_id=athlete_id,
            client_id=client_id,
            scope=scope,
            expires_at=simulator.now() + CODE_LIFETIME,
        )
    )
    return code


def exchange_code(
    session: Session, simulator: Simulator, client_id: int, code: str | None
) -> dict[str, Any]:
    """A code works once, within 10 minutes, for the application it was issued to."""
    row = session.get(AuthCode, code or "")
    if row is None or row.client_id != client_id or row.expires_at < simulator.now():
        raise bad_request("AuthorizationCode", "code")
    session.delete(row)
    return grant(session, simulator, row.athlete_id, client_id, row.scope)


def grant(
    session: Session, simulator: Simulator, athlete_id: int, client_id: int, scope: str
) -> dict[str, Any]:
    """A fresh token pair for ``athlete_id`` (the athlete approved ``scope``)."""
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise not_found("Athlete")
    auth = session.get(Authorization, (athlete_id, client_id))
    if auth is None:
        auth = Authorization(athlete_id=athlete_id, client_id=client_id, refresh_token="")
        session.add(auth)
    auth.scope = scope
    if not auth.refresh_token or simulator.settings.rotate_refresh_tokens:
        auth.refresh_token = new_token()
    access = _issue_access(session, simulator, auth)
    return {**_pair(simulator, access, auth), "athlete": athlete_summary(athlete)}


def refresh(
    session: Session, simulator: Simulator, client_id: int, refresh_token: str | None
) -> dict[str, Any]:
    """The same access token while over an hour is left; otherwise a new one, and with
    rotation on a new refresh token too (the old one fails from then on)."""
    auth = session.scalars(
        select(Authorization).where(
            Authorization.refresh_token == (refresh_token or ""),
            Authorization.client_id == client_id,
        )
    ).first()
    if auth is None:
        raise bad_request("RefreshToken", "refresh_token")
    latest = session.scalars(
        select(AccessToken)
        .where(AccessToken.athlete_id == auth.athlete_id, AccessToken.client_id == client_id)
        .order_by(AccessToken.expires_at.desc())
    ).first()
    if latest is not None and latest.expires_at - simulator.now() > SAME_TOKEN_IF_LEFT:
        return _pair(simulator, latest, auth)
    if simulator.settings.rotate_refresh_tokens:
        auth.refresh_token = new_token()
    return _pair(simulator, _issue_access(session, simulator, auth), auth)


def revoke(session: Session, athlete_id: int, client_id: int) -> bool:
    """Forget the grant and every token of it; True when there was one."""
    found = session.get(Authorization, (athlete_id, client_id)) is not None
    for model in (Authorization, AccessToken, AuthCode):
        session.execute(
            delete(model).where(model.athlete_id == athlete_id, model.client_id == client_id)
        )
    return found


def expire_access_tokens(session: Session, simulator: Simulator, athlete_id: int) -> int:
    """Make every live access token of the athlete expire now (the refresh token stays)."""
    now = simulator.now()
    # An UPDATE's result is a CursorResult, the one with a rowcount.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(AccessToken)
            .where(AccessToken.athlete_id == athlete_id, AccessToken.expires_at >= now)
            .values(expires_at=now - 1)
        ),
    )
    return result.rowcount


def _issue_access(session: Session, simulator: Simulator, auth: Authorization) -> AccessToken:
    access = AccessToken(
        token=new_token(),
        athlete_id=auth.athlete_id,
        client_id=auth.client_id,
        scope=auth.scope,
        expires_at=simulator.now() + simulator.settings.token_lifetime,
    )
    session.add(access)
    return access


def _pair(simulator: Simulator, access: AccessToken, auth: Authorization) -> dict[str, Any]:
    return {
        "token_type": "Bearer",
        "access_token": access.token,
        "expires_at": access.expires_at,
        "expires_in": max(access.expires_at - simulator.now(), 0),
        "refresh_token": auth.refresh_token,
    }
