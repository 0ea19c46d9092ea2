"""Reading and changing one runner's shoes, and which pair a run was worn on.

A pair's distance is summed from the runs that count and wear it (``runs.counted``: an
excluded or merged run wears nothing out twice) plus the distance it had before its first
run here; summed when read through ``ix_runs_gear_id``, so a run arriving, changing or going
changes it with no refresh to keep (decision 64; benchmarks/dataservice/gear.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dataservice.errors import conflict, invalid, not_found
from dataservice.gear.models import Gear
from dataservice.runs.counted import counted
from dataservice.runs.models import Run
from runnerly_common.db import utcnow

FIELDS = ("name", "brand", "model", "retired", "retire_distance", "start_distance", "is_default")
# Strava's shoes are "g" and digits, its bikes "b" and digits: a bike is no shoe here.
STRAVA_SHOE = re.compile(r"g[0-9]{1,20}")
# Within this many metres of the retirement distance a pair is "near" it (the alert's warning).
NEAR = 50_000.0


@dataclass(frozen=True)
class Worn:
    """What the runs say of one pair: metres run in it (counted runs only) and how many."""

    distance: float = 0.0
    runs: int = 0


def get_gear(session: Session, runner_id: int, gear_id: int) -> Gear:
    """Another runner's pair is not found, exactly like a pair that does not exist."""
    gear = session.get(Gear, gear_id)
    if gear is None or gear.runner_id != runner_id:
        raise not_found(f"gear {gear_id}")
    return gear


def list_gear(session: Session, runner_id: int, *, retired: bool | None = None) -> list[Gear]:
    """The default pair first, then pairs in use, then retired ones; newest first within."""
    conditions = [Gear.runner_id == runner_id]
    if retired is not None:
        conditions.append(Gear.retired.is_(retired))
    return list(
        session.scalars(
            select(Gear)
            .where(*conditions)
            .order_by(Gear.is_default.desc(), Gear.retired, Gear.created_at.desc(), Gear.id.desc())
        )
    )


def worn(
    session: Session, runner_id: int, gear_ids: Collection[int] | None = None
) -> dict[int, Worn]:
    """Per pair of the runner's: the counted runs' metres and number; one grouped read."""
    conditions = worn_conditions(runner_id)
    if gear_ids is not None:
        if not gear_ids:
            return {}
        conditions.append(Run.gear_id.in_(list(gear_ids)))
    rows = session.execute(
        select(Run.gear_id, func.sum(Run.distance), func.count(Run.id))
        .where(*conditions)
        .group_by(Run.gear_id)
    )
    return {int(g or 0): Worn(float(d or 0.0), int(n)) for g, d, n in rows}  # g: never null


def worn_conditions(runner_id: int) -> list[ColumnElement[bool]]:
    """The runs a runner's pairs sum: theirs, wearing one, and counted (``runs.counted``)."""
    return [Run.runner_id == runner_id, Run.gear_id.is_not(None), *counted()]


def total(gear: Gear, use: Worn) -> float:
    """The pair's distance: what it had before its first run here plus its counted runs."""
    return round((gear.start_distance or 0.0) + use.distance, 1)


def alert(gear: Gear, distance: float) -> str | None:
    """ "past" once a pair in use reaches its retirement distance, "near" within ``NEAR`` of
    it; none for a retired pair (already replaced) or one without a retirement distance."""
    if gear.retired or gear.retire_distance is None:
        return None
    if distance >= gear.retire_distance:
        return "past"
    if distance >= gear.retire_distance - NEAR:
        return "near"
    return None


def create_gear(session: Session, runner_id: int, data: dict[str, Any]) -> Gear:
    strava_id = data.get("strava_id")
    if strava_id is not None:
        _check_strava_id(strava_id)
        if by_strava_id(session, runner_id, [strava_id]):
            raise conflict("body.strava_id", f"the runner already has Strava's gear {strava_id}")
    gear = Gear(runner_id=runner_id, strava_id=strava_id, start_distance=0.0)
    _apply(session, gear, data)
    session.add(gear)
    session.flush()
    return gear


def update_gear(session: Session, gear: Gear, data: dict[str, Any]) -> Gear:
    _apply(session, gear, data)
    session.flush()
    return gear


def delete_gear(session: Session, gear: Gear) -> None:
    """Refused while a run wears the pair: its distance is the runs' history, and a run's
    shoes are the runner's record; retiring it keeps both (decision 64)."""
    used = session.scalar(select(func.count(Run.id)).where(Run.gear_id == gear.id)) or 0
    if used:
        raise conflict(
            "gear_id",
            f"{used} run{'s' if used != 1 else ''} wear this pair: retire it, or move the runs "
            "to another pair first",
        )
    session.delete(gear)
    session.flush()


def default_id(session: Session, runner_id: int) -> int | None:
    """The pair a file or a run entered by hand gets: the runner's default, unless retired."""
    return session.scalar(
        select(Gear.id).where(
            Gear.runner_id == runner_id, Gear.is_default.is_(True), Gear.retired.is_(False)
        )
    )


def set_on_run(session: Session, run: Run, gear_id: int | None) -> None:
    """The runner's choice of shoes for ``run`` (``None``: none).  On a synced run it is
    noted as edited, so that a later sync keeps it (``runs.edits``)."""
    if gear_id is not None:
        gear = session.get(Gear, gear_id)
        if gear is None or gear.runner_id != run.runner_id:
            raise invalid("body.gear_id", f"gear {gear_id} is not one of the runner's", 422)
    if gear_id == run.gear_id:
        return
    run.gear_id = gear_id
    run.edited_fields = sorted(set(run.edited_fields or ()) | {"gear_id"})
    run.updated_at = utcnow()


def by_strava_id(session: Session, runner_id: int, strava_ids: Iterable[str]) -> dict[str, int]:
    wanted = list(set(strava_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Gear.strava_id, Gear.id).where(
            Gear.runner_id == runner_id, Gear.strava_id.in_(wanted)
        )
    )
    return {str(s): int(i) for s, i in rows}


def map_strava(
    session: Session, runner_id: int, strava_ids: Iterable[str | None]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """The runner's pair for each of Strava's shoe ids (a bike's id, or anything else that
    is not a shoe's, maps to none); a shoe not seen before becomes a pair named after its id,
    which the worker then names from Strava (``GET /gear/{id}``).  Returns the map and the
    (id, Strava id) of the pairs made here.

    New pairs go in with ``ON CONFLICT DO NOTHING``: two batches of one runner at once (a
    webhook's and the periodic sync's) can both see a shoe as new; the second waits on the
    first's row, makes nothing and reads it, where a plain INSERT failed the batch on the
    unique constraint."""
    shoes = {s for s in strava_ids if isinstance(s, str) and STRAVA_SHOE.fullmatch(s)}
    known = by_strava_id(session, runner_id, shoes)
    missing = sorted(shoes - known.keys())
    if not missing:
        return known, []
    now = utcnow()
    rows = [
        {
            "runner_id": runner_id,
            "strava_id": strava_id,
            "name": f"Strava shoes {strava_id}",
            "start_distance": 0.0,
            "retired": False,
            "is_default": False,
            "created_at": now,
            "updated_at": now,
        }
        for strava_id in missing
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Gear)
        .on_conflict_do_nothing(index_elements=["runner_id", "strava_id"])
        .returning(Gear.id, Gear.strava_id)
    )
    made = [(int(i), str(s)) for i, s in session.execute(statement, rows)]
    known.update({s: i for i, s in made})
    known.update(by_strava_id(session, runner_id, set(missing) - known.keys()))
    return known, made


def _check_strava_id(strava_id: str) -> None:
    if not STRAVA_SHOE.fullmatch(strava_id):
        raise invalid("body.strava_id", "must be a Strava shoe's id ('g' and digits)", 422)


def _apply(session: Session, gear: Gear, data: dict[str, Any]) -> None:
    for field in FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in ("name", "brand", "model") and value is not None:
            value = value.strip() or None
            if field == "name" and value is None:
                raise invalid("body.name", "must not be blank")
        if field == "start_distance" and value is None:
            value = 0.0
        setattr(gear, field, value)
    if gear.is_default and gear.retired:
        if data.get("is_default"):
            raise invalid("body.is_default", "a retired pair cannot be the default", 422)
        gear.is_default = False  # retired: files and new runs get no pair rather than it
    if data.get("is_default"):  # one default a runner: the others stop being it
        session.execute(
            update(Gear)
            .where(
                Gear.runner_id == gear.runner_id,
                Gear.is_default.is_(True),
                Gear.id != gear.id if gear.id is not None else Gear.id.is_not(None),
            )
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )
    gear.updated_at = utcnow()
