"""The dataservice's admin API: public and stable, for operators' tools (``runnerly``).

This module is the one way into the dataservice for code outside it that does not speak
HTTP: everything else in the package (models, serializers, service modules) is internal and
changes without notice (docs/decisions.md, 35).  It wraps the service layer the API's views
call, so a runner created, a file imported or an export read here obeys the same rules as
through ``/api/v1``.

Usage: open the database with :func:`open_database` (the dataservice's own, with what it
keeps derived from runs refreshed before each commit), then call these functions with a
session of one of its transactions::

    db = admin.open_database(settings.database_url)
    with db.transaction() as session:
        runner = admin.find_runner(session, email="ada@example.org")

They take and return plain values: ids, strings, bytes, dicts shaped as the API shows them
and the frozen dataclasses below, never ORM objects.  Errors a caller can cause are
:class:`APIError` (the status and message the API would answer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.database import open_database
from dataservice.errors import not_found
from dataservice.plans import service as plans
from dataservice.plans.models import Plan
from dataservice.races.models import Race
from dataservice.races.serialize import race_to_dict
from dataservice.races.service import today
from dataservice.runs import files
from dataservice.runs import service as runs
from dataservice.runs.files import OriginalFile
from dataservice.runs.models import BestEffort, Run, RunFile, RunTrack
from dataservice.runs.serialize import run_to_dict
from dataservice.set_aside import service as set_aside_service
from dataservice.settings import DataServiceSettings
from dataservice.strava.models import StravaLink
from dataservice.strava.service import link_to_dict
from dataservice.two_factor import service as two_factor
from dataservice.users import service as users
from dataservice.users.models import User
from runnerly_common.errors import APIError

__all__ = [
    "APIError",
    "DataServiceSettings",
    "Imported",
    "OriginalFile",
    "Runner",
    "SetAside",
    "create_admin",
    "export_document",
    "export_files",
    "find_runner",
    "find_runner_by_email",
    "import_file",
    "make_admin",
    "open_database",
    "original_files",
    "reset_two_factor",
    "runner_data",
    "runner_ids",
    "set_aside",
    "strava_link",
    "strava_states",
]


@dataclass(frozen=True)
class Runner:
    """A runner's account, as an operator needs it (the full profile: :func:`runner_data`)."""

    id: int
    email: str
    is_admin: bool
    disabled: bool
    has_password: bool


@dataclass(frozen=True)
class Imported:
    run_id: int
    created: bool  # False: this file was imported before, the run is unchanged


@dataclass(frozen=True)
class SetAside:
    """An activity a source could not store as a run; ``activity`` as the API shows it
    (source, external_id, reason, start_time, title, seen_at)."""

    runner_id: int
    activity: dict[str, Any]


def _runner(user: User) -> Runner:
    return Runner(
        id=user.id,
        email=user.email,
        is_admin=user.is_admin,
        disabled=user.disabled,
        has_password=user.password_hash is not None,
    )


# Runners


def find_runner(
    session: Session, *, runner_id: int | None = None, email: str | None = None
) -> Runner:
    """The runner with this id, else with this email (case-insensitive); a 404
    :class:`APIError` naming what was asked for when there is none."""
    if runner_id is not None:
        return _runner(users.get_user(session, runner_id))
    user = users.find_by_email(session, email or "")
    if user is None:
        raise not_found(f"runner with email {email}")
    return _runner(user)


def runner_ids(session: Session, batch: int = 1000) -> Iterator[int]:
    """Every runner's id, in order, fetched ``batch`` at a time (never all in memory)."""
    after = 0
    while True:
        ids = session.scalars(
            select(User.id).where(User.id > after).order_by(User.id).limit(batch)
        ).all()
        yield from ids
        if len(ids) < batch:
            return
        after = ids[-1]


def find_runner_by_email(session: Session, email: str) -> Runner | None:
    user = users.find_by_email(session, email)
    return _runner(user) if user is not None else None


def create_admin(
    session: Session, email: str, *, first_name: str, last_name: str, password: str
) -> Runner:
    """A new runner who is an administrator (409 when the email is taken)."""
    user = users.create_user(
        session,
        {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "is_admin": True,
            "password": password,
        },
    )
    return _runner(user)


def make_admin(session: Session, runner_id: int, *, password: str | None = None) -> Runner:
    """The runner made an administrator; their password replaced only when one is given."""
    user = users.get_user(session, runner_id)
    users.update_user(session, user, {"is_admin": True})
    if password is not None:
        users.set_password(session, user, password)
    return _runner(user)


def reset_two_factor(session: Session, runner_id: int) -> bool:
    """The runner's two-factor sign-in removed (a lost phone and lost recovery codes), so
    the password alone logs in again until they enrol anew; whether it was on."""
    users.get_user(session, runner_id)
    return two_factor.reset(session, runner_id)


# Runs


def import_file(session: Session, runner_id: int, filename: str, content: bytes) -> Imported:
    """A GPX, TCX or FIT file (gzipped too) as the runner's run, as an upload
    (``importRunFile``) makes it: 422 :class:`APIError` naming the file's problem."""
    run, created = runs.import_file(session, runner_id, filename, content)
    return Imported(run.id, created)


def original_files(session: Session, runner_id: int) -> Iterator[OriginalFile]:
    """Each of the runner's kept original files, byte for byte, by run id; one at a time
    (never all of them in memory)."""
    run_ids = session.scalars(
        select(RunFile.run_id)
        .join(Run, Run.id == RunFile.run_id)
        .where(Run.runner_id == runner_id)
        .order_by(RunFile.run_id)
    ).all()
    for run_id in run_ids:
        # Each id came from a join on runs: the run exists.
        yield files.original(session, session.get_one(Run, run_id))
        session.expunge(session.get_one(RunFile, run_id))  # let the bytes go


# Strava and what it could not import


def strava_link(session: Session, runner_id: int) -> dict[str, Any] | None:
    """The runner's Strava link's state as the API shows it (athlete, scopes, sync state,
    progress, last error), **never** its tokens; None when not linked."""
    link = session.get(StravaLink, runner_id)
    return link_to_dict(link, None) if link is not None else None


def strava_states(session: Session, runner_ids: Iterable[int]) -> dict[int, str]:
    """Each linked runner's sync state (``ok``, ``reconnect``, ``deauthorized``...)."""
    query = select(StravaLink.user_id, StravaLink.sync_state).where(
        StravaLink.user_id.in_(list(runner_ids))
    )
    return dict(session.execute(query).all())


def set_aside(session: Session, runner_id: int | None = None) -> list[SetAside]:
    """The activities set aside (one runner's, or everyone's), by runner, newest first."""
    return [
        SetAside(row.runner_id, set_aside_service.to_dict(row))
        for row in set_aside_service.every(session, runner_id)
    ]


# A runner's export (the zip: runnerly_common.export_zip)


def export_files(session: Session, runner_id: int) -> Iterator[tuple[str, bytes]]:
    """Each file of the runner's export, by its name in the zip, one at a time: a run's
    original file byte for byte, or a Strava run's GPX built from its streams."""
    from dataservice.exports import content

    for entry, found in content.export_files(session, runner_id):
        yield entry.name, found.content


def export_document(session: Session, runner_id: int) -> dict[str, Any]:
    """The export's runner.json data (:func:`runner_data`, each run naming its file)."""
    from dataservice.exports import content

    return content.document(session, runner_id)


# Everything about a runner


def runner_data(
    session: Session, runner_id: int, kept: Mapping[int, str], on: date | None = None
) -> dict[str, Any]:
    """Everything the dataservice holds about the runner, as the API shows it: ``runner``
    (never the password hash), ``strava`` (never its tokens), ``runs`` (oldest first, with
    their ``best_efforts`` and ``file``: ``kept[run_id]`` or None), ``set_aside``, ``races``
    and ``plans``.  A run imported before original files were kept also has its ``track``.
    Races' days to go and plans' workouts missed count from ``on`` (the UTC date by
    default): a backup's record of the data gives the same answer on the day it is drilled."""
    on = on or today()
    return {
        "runner": users.user_to_dict(users.get_user(session, runner_id)),
        "strava": strava_link(session, runner_id),
        "runs": _runs(session, runner_id, kept),
        "set_aside": [item.activity for item in set_aside(session, runner_id)],
        "races": [
            race_to_dict(race, on)
            for race in session.scalars(
                select(Race).where(Race.runner_id == runner_id).order_by(Race.date, Race.id)
            )
        ],
        "plans": _plans(session, runner_id, on),
    }


def _plans(session: Session, runner_id: int, on: date) -> list[dict[str, Any]]:
    query = select(Plan).where(Plan.runner_id == runner_id).order_by(Plan.start_date, Plan.id)
    return [plans.describe(session, plan, on) for plan in session.scalars(query)]


def _runs(session: Session, runner_id: int, kept: Mapping[int, str]) -> list[dict[str, Any]]:
    efforts: dict[int, list[dict[str, Any]]] = {}
    for effort in session.scalars(
        select(BestEffort)
        .where(BestEffort.runner_id == runner_id)
        .order_by(BestEffort.run_id, BestEffort.distance)
    ):
        efforts.setdefault(effort.run_id, []).append(
            {"distance": effort.distance, "elapsed_time": effort.elapsed, "origin": effort.origin}
        )
    # Runs imported before files were kept: their recorded points are all there is.
    tracks: dict[int, Any] = dict(
        session.execute(
            select(RunTrack.run_id, RunTrack.points)
            .join(Run, Run.id == RunTrack.run_id)
            .outerjoin(RunFile, RunFile.run_id == RunTrack.run_id)
            .where(Run.runner_id == runner_id, RunFile.run_id.is_(None))
        ).all()
    )
    out = []
    for run in session.scalars(
        select(Run).where(Run.runner_id == runner_id).order_by(Run.start_time, Run.id)
    ):
        item = {**run_to_dict(run), "best_efforts": efforts.get(run.id, [])}
        item["file"] = kept.get(run.id)
        if run.id in tracks:
            item["track"] = tracks[run.id]
        out.append(item)
    return out
