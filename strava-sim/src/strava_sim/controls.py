"""The runtime switches (limits, windows, faults): one database row every worker reads."""

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
    """Limits from the settings, no faults: what every start and reset begins with."""
    row = session.get(Controls, 1) or Controls(id=1)
    for name in LIMIT_FIELDS:
        setattr(row, name, getattr(settings, name))
    row.error_rate, row.latency_ms, row.fault_seed, row.fault_counter = 0.0, 0, 0, 0
    session.add(row)


def current(session: Session) -> Controls:
    row = session.get(Controls, 1, populate_existing=True)
    if row is None:  # pragma: no cover - setup always creates it
        raise RuntimeError("strava-sim is not set up: run `strava-sim reset`")
    return row


def limits_dict(row: Controls) -> dict[str, int]:
    return {name: getattr(row, name) for name in LIMIT_FIELDS}


def faults_dict(row: Controls) -> dict[str, Any]:
    return {"error_rate": row.error_rate, "latency_ms": row.latency_ms, "seed": row.fault_seed}


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
