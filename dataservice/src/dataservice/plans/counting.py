"""Which runs a plan counts: running sports, and runs that count in every total (not
excluded by their runner, not merged into another) once the runs package says so."""

from __future__ import annotations

from typing import Any

from dataservice.runs.efforts import RUNNING_SPORTS
from dataservice.runs.models import Run


def counted_conditions() -> list[Any]:
    """SQL conditions on ``Run`` for the runs a plan counts."""
    conditions: list[Any] = [Run.sport_type.in_(RUNNING_SPORTS)]
    try:  # ``counted()`` arrives with issue 16's run edits and merges; all runs count before
        from dataservice.runs.counted import counted
    except ImportError:
        return conditions
    extra = counted()
    conditions.extend(extra if isinstance(extra, list | tuple) else [extra])
    return conditions
