"""Runners: create, read, change, delete, and check credentials."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.errors import conflict, invalid, not_found
from dataservice.runs.local_time import is_zone
from dataservice.users.models import User
from dataservice.users.passwords import hash_password, needs_rehash, verify_password

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "age",
    "weight",
    "max_hr",
    "rest_hr",
    "vo2max",
    "threshold_pace",
    "units",
    "timezone",
)


def email_key(email: str) -> str:
    return email.strip().lower()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found(f"runner {user_id}")
    return user


def runner_zone(session: Session, runner_id: int) -> str:
    """The runner's IANA time zone ("UTC" for a runner never given one)."""
    return session.scalar(select(User.timezone).where(User.id == runner_id)) or "UTC"


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email_key == email_key(email)))


def list_users(
    session: Session, page: int, per_page: int, email: str | None = None
) -> tuple[list[User], int]:
    query = select(User)
    if email:
        query = query.where(User.email_key == email_key(email))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(User.id).limit(per_page).offset((page - 1) * per_page))
    return list(users), total


def _check_zone(data: dict[str, Any]) -> None:
    if "timezone" in data and not is_zone(data["timezone"]):
        raise invalid("body.timezone", "must be an IANA time zone name, such as Europe/Paris")


def create_user(session: Session, data: dict[str, Any]) -> User:
    _check_zone(data)
    user = User(email=data["email"].strip(), email_key=email_key(data["email"]))
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.is_admin = bool(data.get("is_admin", False))
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
    session.add(user)
    _flush_unique_email(session)
    return user


def update_user(session: Session, user: User, data: dict[str, Any]) -> User:
    _check_zone(data)
    for field in (*PROFILE_FIELDS, "is_admin", "disabled"):
        if field in data:
            setattr(user, field, data[field])
    if "email" in data:
        user.email = data["email"].strip()
        user.email_key = email_key(data["email"])
    _flush_unique_email(session)
    return user


def _flush_unique_email(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("email", "is already registered") from None


def set_password(session: Session, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    session.flush()


def check_password(session: Session, email: str, password: str) -> User | None:
    """The runner if the credentials are right and the account enabled, else None."""
    user = find_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or user.disabled:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def delete_user(session: Session, user: User) -> None:
    """Everything of the runner goes with them (foreign keys cascade)."""
    session.delete(user)
    session.flush()


def user_to_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        **{field: getattr(user, field) for field in PROFILE_FIELDS},
        "is_admin": user.is_admin,
        "disabled": user.disabled,
        "has_password": user.password_hash is not None,
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
    }
