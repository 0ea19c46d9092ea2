"""A runner's email preferences: read (made with the defaults on first use), changed,
found by their unsubscribe token, and listed for the worker's report round."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dataservice.email_preferences.models import REPORT_DAY_MIN, EmailPreferences
from dataservice.users.models import User

TOKEN_BYTES = 32  # 256 bits: guessing one is hopeless whatever an answer reveals
TOKEN_MAX = 64  # the column; secrets.token_urlsafe(32) is 43 characters
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]+$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def preferences(session: Session, runner_id: int) -> EmailPreferences:
    """The runner's row, made with the defaults (report on, day 1, a fresh token) if they
    have none yet.  Two first reads at once: the loser reads the winner's row."""
    row = session.get(EmailPreferences, runner_id)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = EmailPreferences(
                runner_id=runner_id,
                monthly_report=True,
                report_day=REPORT_DAY_MIN,
                unsubscribe_token=new_token(),
            )
            session.add(row)
    except IntegrityError:
        row = session.get(EmailPreferences, runner_id, populate_existing=True)
        if row is None:  # not a lost race: the runner is gone
            raise
    return row


def update(session: Session, runner_id: int, data: dict[str, Any]) -> EmailPreferences:
    row = preferences(session, runner_id)
    if "monthly_report" in data:
        row.monthly_report = data["monthly_report"]
    if "report_day" in data:
        row.report_day = data["report_day"]
    if data.get("rotate_unsubscribe_token"):
        # Every link in mail already sent stops working; the next mail has the new one.
        row.unsubscribe_token = new_token()
    session.flush()
    return row


def by_token(session: Session, token: str) -> EmailPreferences | None:
    # Not one of ours (and never a NUL, which PostgreSQL refuses in text): nothing to find.
    if not TOKEN_SHAPE.match(token) or len(token) > TOKEN_MAX:
        return None
    return session.scalar(
        select(EmailPreferences).where(EmailPreferences.unsubscribe_token == token)
    )


@dataclass(frozen=True)
class Listed:
    """One runner as the report round needs them; defaults for a runner without a row."""

    runner_id: int
    timezone: str
    disabled: bool
    monthly_report: bool
    report_day: int


def list_preferences(
    session: Session, page: int, per_page: int, monthly_report: bool | None = None
) -> tuple[list[Listed], int]:
    wants = func.coalesce(EmailPreferences.monthly_report, True)
    query = select(
        User.id,
        User.timezone,
        User.disabled,
        wants.label("monthly_report"),
        func.coalesce(EmailPreferences.report_day, REPORT_DAY_MIN).label("report_day"),
    ).outerjoin(EmailPreferences, EmailPreferences.runner_id == User.id)
    if monthly_report is not None:
        query = query.where(wants.is_(True) if monthly_report else wants.is_(False))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(User.id).limit(per_page).offset((page - 1) * per_page))
    return [
        Listed(r.id, r.timezone or "UTC", bool(r.disabled), bool(r.monthly_report), r.report_day)
        for r in rows
    ], total


def to_dict(row: EmailPreferences, with_token: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "monthly_report": row.monthly_report,
        "report_day": row.report_day,
        "updated_at": row.updated_at.isoformat(),
    }
    if with_token:
        out["unsubscribe_token"] = row.unsubscribe_token
    return out


def listed_to_dict(item: Listed) -> dict[str, Any]:
    return {
        "runner_id": item.runner_id,
        "timezone": item.timezone,
        "disabled": item.disabled,
        "monthly_report": item.monthly_report,
        "report_day": item.report_day,
    }
