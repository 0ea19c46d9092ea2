"""Link, update and unlink a runner's Strava athlete; list links for the worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.errors import conflict, not_found
from dataservice.set_aside import service as set_aside
from dataservice.strava.crypto import TokenCipher
from dataservice.strava.models import StravaLink

SYNC_FIELDS = (
    "last_sync_at",
    "sync_cursor",
    "backfill_before",
    "backfill_after",
    "backfill_page",
    "reconciled_at",
    "sync_state",
    "pages_done",
    "runs_imported",
    "sync_error",
)
# States that need the runner to connect again; connecting again ends them.
RECONNECT_STATES = ("reconnect", "error", "deauthorized")


def get_link(session: Session, user_id: int) -> StravaLink:
    link = session.get(StravaLink, user_id)
    if link is None:
        raise not_found(f"Strava link of runner {user_id}")
    return link


def put_link(
    session: Session, cipher: TokenCipher, user_id: int, data: dict[str, Any]
) -> tuple[StravaLink, bool]:
    """Create or replace the link; True when it is new.

    The same athlete connecting again (new tokens after Strava refused the old ones) keeps
    the cursor and the progress, so the worker resumes where it stopped; another athlete
    starts the sync over."""
    link = session.get(StravaLink, user_id)
    created = link is None
    if link is None:
        link = StravaLink(
            user_id=user_id, sync_state="pending", pages_done=0, runs_imported=0, backfill_page=1
        )
        session.add(link)
    elif link.athlete_id != data["athlete_id"]:  # another athlete: start the sync over
        for field in SYNC_FIELDS:
            setattr(link, field, None)
        link.sync_state, link.pages_done, link.runs_imported = "pending", 0, 0
        link.backfill_page = 1
        set_aside.clear(session, user_id, (), source="strava")  # the other athlete's
    elif link.sync_state in RECONNECT_STATES:
        link.sync_state, link.sync_error = "pending", None
    link.athlete_id = data["athlete_id"]
    link.scopes = data.get("scopes", "")
    _set_tokens(link, cipher, data)
    _flush_unique_athlete(session)
    return link, created


def update_link(
    session: Session, cipher: TokenCipher, link: StravaLink, data: dict[str, Any]
) -> StravaLink:
    if "access_token" in data:
        _set_tokens(link, cipher, data)
    if "scopes" in data:
        link.scopes = data["scopes"]
    for field in SYNC_FIELDS:
        if field in data:
            setattr(link, field, data[field])
    session.flush()
    return link


def _set_tokens(link: StravaLink, cipher: TokenCipher, data: dict[str, Any]) -> None:
    link.access_token = cipher.encrypt(data["access_token"])
    link.refresh_token = cipher.encrypt(data["refresh_token"])
    link.expires_at = data["expires_at"]


def _flush_unique_athlete(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("athlete_id", "is linked to another runner") from None


def delete_link(session: Session, user_id: int) -> None:
    """Unlink: the runner's runs stay; the Strava activities set aside go (nothing will
    bring them in any more, and a new link lists them again)."""
    session.delete(get_link(session, user_id))
    set_aside.clear(session, user_id, (), source="strava")
    session.flush()


def list_links(
    session: Session, page: int, per_page: int, athlete_id: int | None = None
) -> tuple[list[StravaLink], int]:
    query = select(StravaLink)
    if athlete_id is not None:
        query = query.where(StravaLink.athlete_id == athlete_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    links = session.scalars(
        query.order_by(StravaLink.user_id).limit(per_page).offset((page - 1) * per_page)
    )
    return list(links), total


def link_to_dict(link: StravaLink, cipher: TokenCipher | None) -> dict[str, Any]:
    """With ``cipher``, the decrypted tokens are included (trusted clients only)."""
    out: dict[str, Any] = {
        "user_id": link.user_id,
        "athlete_id": link.athlete_id,
        "scopes": link.scopes,
        "expires_at": link.expires_at.isoformat(),
        "last_sync_at": _iso(link.last_sync_at),
        "sync_cursor": _iso(link.sync_cursor),
        "backfill_before": _iso(link.backfill_before),
        "backfill_after": _iso(link.backfill_after),
        "backfill_page": link.backfill_page,
        "reconciled_at": _iso(link.reconciled_at),
        "sync_state": link.sync_state,
        "pages_done": link.pages_done,
        "runs_imported": link.runs_imported,
        "sync_error": link.sync_error,
    }
    if cipher is not None:
        out["access_token"] = cipher.decrypt(link.access_token)
        out["refresh_token"] = cipher.decrypt(link.refresh_token)
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
