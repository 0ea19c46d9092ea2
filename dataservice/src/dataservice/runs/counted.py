"""Which runs count in statistics: the one place totals, records, reports and plans ask.

A run its runner excluded (a treadmill test, a GPS disaster, a run logged twice) stays in
the run list but in no figure.  A run merged into another (``runs.merges``: the same effort
from a second source) is shown on its kept run and counts only through it.  ``counted()``
is the SQL form, ``counts()`` the same rule for a run already read as a row; best efforts
are kept only for runs that count (``runs.recompute``), so records need no join to filter
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from dataservice.runs.models import Run


def counted() -> list[ColumnElement[bool]]:
    """Conditions on ``Run`` that hold for the runs statistics count."""
    return [Run.excluded.is_(False), Run.merged_into.is_(None)]


def counts(run: Mapping[str, Any] | Run) -> bool:
    """Whether the run (a Run, or a row as a mapping: absent columns are their defaults)
    counts."""
    value = run.get if isinstance(run, Mapping) else lambda name: getattr(run, name, None)
    return not value("excluded") and value("merged_into") is None
