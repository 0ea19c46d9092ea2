"""What the runner's search of their runs adds to the list's filters: words and distances.

Words match inside the title or the description, whatever the case; the runner's words are
searched as typed, so a ``%`` or ``_`` matches that character and not "anything" (LIKE's
wildcards are escaped).  No index serves a match inside a text: every query is bounded to
one runner's rows by ``ix_runs_runner_start``/``ix_runs_runner_local`` (decision 57), and
comparing the text of a runner's runs, even ten thousand of them, is a few milliseconds.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from dataservice.errors import invalid
from dataservice.runs.models import Run

ESCAPE = "\\"


def like_pattern(words: str) -> str:
    """``words`` anywhere, LIKE's wildcards (and the escape itself) taken literally."""
    for special in (ESCAPE, "%", "_"):
        words = words.replace(special, ESCAPE + special)
    return f"%{words}%"


def text_matches(words: str) -> ColumnElement[bool]:
    # ILIKE on PostgreSQL, lower() LIKE lower() on SQLite (whose lower() folds ASCII only).
    pattern = like_pattern(words)
    return or_(
        Run.title.ilike(pattern, escape=ESCAPE),
        Run.description.ilike(pattern, escape=ESCAPE),
    )


def conditions(
    words: str | None, min_distance: float | None, max_distance: float | None
) -> list[ColumnElement[bool]]:
    """The search's conditions (none for an empty search); distances in metres, inclusive."""
    if min_distance is not None and max_distance is not None and max_distance < min_distance:
        raise invalid("query.max_distance", "must not be below 'min_distance'")
    found: list[ColumnElement[bool]] = []
    if words and words.strip():
        found.append(text_matches(words.strip()))
    if min_distance is not None:
        found.append(Run.distance >= min_distance)
    if max_distance is not None:
        found.append(Run.distance <= max_distance)
    return found
