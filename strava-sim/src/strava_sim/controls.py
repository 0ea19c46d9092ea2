"""The runtime switches (limits, windows, faults, list order): one database row every
worker reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from strava_sim.models import Controls
from strava_sim.settings import SimSettings

LIMIT_FIELDS = (
    "rate_limit_15min",
    "rate_limit_daily",
    "rate_limit_overall_15min",
    "rate_limit_overall_daily",
    "rate_window_seconds",
    "rate_day_seconds",
)


def reset_controls(session: Session, settings: SimSettings) -> None:
    """Limits and list order from the settings, no faults: what every start and reset
    begins with."""
    row = session.get(Controls, 1) or Controls(id=1)
    for name in LIMIT_FIELDS:
        setattr(row, name, getattr(settings, name))
    row.error_rate, row.latency_ms, row.fault_seed, row.fault_counter = 0.0, 0, 0, 0
    row.drop_events, row.lose_refresh_answers = False, 0
    row.list_order = settings.list_order
    session.add(row)


def current(session: Session) -> Controls:
    row = session.get(Controls, 1, populate_existing=True)
    if row is None:  # pragma: no cover - setup always creates it
        raise RuntimeError("strava-sim is not set up: run `strava-sim reset`")
    return row


def limits_dict(row: Controls) -> dict[str, int]:
    return {name: getattr(row, name) for name in LIMIT_FIELDS}


def faults_dict(row: Controls) -> dict[str, Any]:
    return {
        "error_rate": row.error_rate,
        "latency_ms": row.latency_ms,
        "seed": row.fault_seed,
        "drop_events": row.drop_events,
        "lose_refresh_answers": row.lose_refresh_answers,
    }


def clear_faults(session: Session) -> None:
    set_values(
        session,
        error_rate=0.0,
        latency_ms=0,
        fault_counter=0,
        drop_events=False,
        lose_refresh_answers=0,
    )


def set_values(session: Session, **values: Any) -> None:
    session.execute(update(Controls).where(Controls.id == 1).values(**values))


def next_fault_number(session: Session) -> int:
    """An atomic per-request counter: with the fault seed it decides, identically in every
    worker, which requests fail."""
    return session.execute(
        update(Controls)
        .where(Controls.id == 1)
        .values(fault_counter=Controls.fault_counter + 1)
        .returning(Controls.fault_counter)
    ).scalar_one()


def take_lost_refresh_answer(session: Session) -> bool:
    """True when this refresh's answer is to be lost: one armed loss used up, atomically,
    so with several workers exactly N answers are lost."""
    taken = session.execute(
        update(Controls)
        .where(Controls.id == 1, Controls.lose_refresh_answers > 0)
        .values(lose_refresh_answers=Controls.lose_refresh_answers - 1)
        .returning(Controls.id)
    ).first()
    return taken is not None
