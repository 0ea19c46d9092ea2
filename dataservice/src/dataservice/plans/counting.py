"""Which runs a plan counts: running sports, and runs that count in every total (not
excluded by their runner, not merged into another: ``runs.counted``)."""

from __future__ import annotations

from typing import Any

from dataservice.runs.counted import counted
from dataservice.runs.efforts import RUNNING_SPORTS
from dataservice.runs.models import Run


def counted_conditions() -> list[Any]:
    """SQL conditions on ``Run`` for the runs a plan counts."""
    return [Run.sport_type.in_(RUNNING_SPORTS), *counted()]
