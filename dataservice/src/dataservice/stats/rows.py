"""The columns record reads select, and the dicts they answer: one shape for every reader
(records, their overview, their history)."""

from __future__ import annotations

from typing import Any

from dataservice.runs.models import BestEffort, Run

# An effort and the run it is from: records, a period's records and their history.
EFFORT_COLUMNS = (
    BestEffort.distance,
    BestEffort.elapsed,
    BestEffort.origin,
    BestEffort.run_id,
    Run.title,
    Run.start_time,
    Run.start_local,
)
# A whole run as a record (the longest).
RUN_COLUMNS = (Run.id, Run.title, Run.start_time, Run.start_local, Run.distance, Run.moving_time)


def effort_to_dict(row: Any) -> dict[str, Any]:
    return {
        "elapsed": row.elapsed,
        "pace": round(row.elapsed * 1000 / row.distance, 1),
        "run_id": row.run_id,
        "title": row.title,
        "start_time": row.start_time.isoformat(),
        "start_local": row.start_local.isoformat(),
        "origin": row.origin,
    }


def run_to_record(row: Any) -> dict[str, Any]:
    return {
        "run_id": row.id,
        "title": row.title,
        "start_time": row.start_time.isoformat(),
        "start_local": row.start_local.isoformat(),
        "distance": round(row.distance, 1),
        "moving_time": row.moving_time,
    }
