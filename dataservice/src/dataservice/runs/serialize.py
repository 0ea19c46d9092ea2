"""Runs as the API shows them."""

from __future__ import annotations

from typing import Any

from dataservice.runs.models import Run

FIELDS = (
    "title",
    "description",
    "distance",
    "moving_time",
    "elapsed_time",
    "average_speed",
    "max_speed",
    "average_hr",
    "max_hr",
    "elevation_gain",
    "sport_type",
    "polyline",
)


def run_to_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "runner_id": run.runner_id,
        "source": run.source,
        "external_id": run.external_id,
        "start_time": run.start_time.isoformat(),
        # The wall clock where it was run (no offset: it is local), with the offset and zone.
        "start_local": run.start_local.isoformat() if run.start_local else None,
        "utc_offset": run.utc_offset,
        "timezone": run.timezone,
        **{field: getattr(run, field) for field in FIELDS},
        # The runner's own: what kind of session, whether it counts, what was edited here.
        "workout_type": run.workout_type,
        "excluded": bool(run.excluded),
        "edited_fields": list(run.edited_fields or ()),
        "gear_id": run.gear_id,
        # The run this one was merged into (runs.merges): shown there, counted there.
        "merged_into": run.merged_into,
        "created_at": run.created_at.isoformat(),
        "updated_at": run.updated_at.isoformat(),
    }
