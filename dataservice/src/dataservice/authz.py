"""Who is calling, and what they may touch.

A token obtained by token exchange (it has an ``act`` claim) speaks for one runner: its
``sub``.  It reaches that runner's resources only; another runner's answer 404, exactly as
if they did not exist.  A service token (``client_credentials``) reaches every runner
within its scopes.  Scopes themselves are checked by the spec's ``security``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy.orm import Session

from dataservice.errors import forbidden, not_found
from dataservice.users.models import User
from runnerly_common.auth import current_claims
from runnerly_common.auth.verify import scopes_of
from runnerly_common.errors import APIError


@dataclass(frozen=True)
class Principal:
    subject: str
    client_id: str
    scopes: frozenset[str]
    runner_id: int | None  # set for a runner's token

    @property
    def is_runner(self) -> bool:
        return self.runner_id is not None


def principal() -> Principal:
    if "principal" not in g:
        claims = current_claims()
        runner_id = None
        if "act" in claims:
            try:
                runner_id = int(claims["sub"])
            except (TypeError, ValueError):
                raise forbidden("this token's subject is not a runner") from None
        g.principal = Principal(
            subject=str(claims["sub"]),
            client_id=str(claims.get("client_id", claims["sub"])),
            scopes=scopes_of(claims),
            runner_id=runner_id,
        )
    current: Principal = g.principal
    return current


def runner_or_404(session: Session, user_id: int) -> User:
    """The runner ``user_id`` if the caller may act on them (themselves, or anyone for a
    service or an administrator), else 404."""
    caller = principal()
    if caller.is_runner and caller.runner_id != user_id and not is_admin(session):
        raise not_found(f"runner {user_id}")
    user = session.get(User, user_id)
    if user is None:
        raise not_found(f"runner {user_id}")
    # A disabled runner's own token stops working; an administrator still reaches them
    # (to enable them again).
    if (
        caller.is_runner
        and user.disabled
        and (caller.runner_id == user_id or not is_admin(session))
    ):
        raise forbidden("this account is disabled")
    return user


def require_client(allowed: tuple[str, ...], what: str) -> None:
    """Some operations belong to named clients only (passwords, Strava tokens)."""
    if principal().client_id not in allowed:
        raise forbidden(f"{what} is reserved to: {', '.join(allowed)}")


def require_admin(session: Session) -> None:
    """``admin`` scope; a runner's token also needs the runner to be an admin now."""
    caller = principal()
    if "admin" not in caller.scopes:
        raise forbidden("this operation needs the admin scope")
    if caller.is_runner:
        user = session.get(User, caller.runner_id)
        if user is None or not user.is_admin or user.disabled:
            raise forbidden("this operation needs an administrator")


def is_admin(session: Session) -> bool:
    try:
        require_admin(session)
    except APIError:
        return False
    return True
