"""What a runner's export holds: the one implementation, for the operator's ``runnerly
export`` (through ``dataservice.admin``) and the runner's own export (the worker, through
``/api/v1``).  The zip itself is written by ``runnerly_common.export_zip``.

Each run that has a file gets one in the zip, under ``files/<run_id>-<name>``: the
original file it was imported from, byte for byte, or, for a Strava run, a GPX built from
its activity streams (``gpx``).  A run with neither (a manual entry, a treadmill run) has
none; ``runner.json`` names each run's file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.errors import not_found
from dataservice.exports import gpx
from dataservice.runs import files, streams
from dataservice.runs.files import GPX, OriginalFile
from dataservice.runs.models import Run, RunFile, RunStream


@dataclass(frozen=True)
class Entry:
    run_id: int
    name: str  # the file's path in the zip


def zip_name(run_id: int, filename: str) -> str:
    return f"files/{run_id}-{filename}"


def _strava_name(run: Run) -> str:
    return files.safe_filename(f"strava-{run.external_id}.gpx", GPX, run.id)


def entries(session: Session, runner_id: int) -> list[Entry]:
    """The runner's files in the zip, by run id; the bytes are not read (a Strava run's
    streams are, to know that they hold positions)."""
    found: dict[int, str] = {}
    for run_id, filename, media in session.execute(
        select(RunFile.run_id, RunFile.filename, RunFile.media_type)
        .join(Run, Run.id == RunFile.run_id)
        .where(Run.runner_id == runner_id)
    ):
        found[run_id] = zip_name(run_id, files.safe_filename(filename, media, run_id))
    for run, data in session.execute(
        select(Run, RunStream.data)
        .join(RunStream, RunStream.run_id == Run.id)
        .where(Run.runner_id == runner_id, RunStream.data.is_not(None))
    ):
        if run.id not in found and data is not None and streams.decode(data).get("latlng"):
            found[run.id] = zip_name(run.id, _strava_name(run))
        session.expunge(run)
    return [Entry(run_id, name) for run_id, name in sorted(found.items())]


def entry_file(session: Session, runner_id: int, run_id: int) -> OriginalFile:
    """The bytes of run ``run_id``'s file in the zip; 404 when it has none."""
    run = session.get(Run, run_id)
    if run is None or run.runner_id != runner_id:
        raise not_found(f"run {run_id}")
    if files.has_original(session, run_id):
        return files.original(session, run)
    data = session.scalar(select(RunStream.data).where(RunStream.run_id == run_id))
    built = None
    if data is not None:
        built = gpx.from_streams(streams.decode(data), run.start_time, run.title, run.sport_type)
    if built is None:
        raise not_found(f"file of run {run_id}")
    return OriginalFile(run_id, _strava_name(run), GPX, built)


def export_files(session: Session, runner_id: int) -> Iterator[tuple[Entry, OriginalFile]]:
    """Each file of the zip with its bytes, one at a time (never all of them in memory)."""
    for entry in entries(session, runner_id):
        yield entry, entry_file(session, runner_id, entry.run_id)
        kept = session.get(RunFile, entry.run_id)
        if kept is not None:
            session.expunge(kept)  # let the bytes go


def document(
    session: Session, runner_id: int, files: list[Entry] | None = None, on: date | None = None
) -> dict[str, Any]:
    """runner.json's data (its ``format`` and time are the zip writer's): everything the
    dataservice holds about the runner, each run naming its file in the zip (``files``:
    :func:`entries`, when the caller has them already)."""
    from dataservice import admin  # the facade holds runner_data; it imports this module

    found = entries(session, runner_id) if files is None else files
    kept = {entry.run_id: entry.name for entry in found}
    return admin.runner_data(session, runner_id, kept, on)
