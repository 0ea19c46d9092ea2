"""``runnerly export``: everything Runnerly holds about a runner, in one zip.

``runner.json`` holds the profile (never the password hash), the Strava link's state (never
its tokens), the runs with their best efforts, the activities set aside (not imported, with
why), races and plans, as the API shows them;
``files/<run_id>-<name>`` holds each imported run's original file, byte for byte.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from dataservice.plans import service as plans
from dataservice.plans.models import Plan
from dataservice.races.models import Race
from dataservice.races.serialize import race_to_dict
from dataservice.races.service import today
from dataservice.runs import files
from dataservice.runs.models import BestEffort, Run, RunFile, RunTrack
from dataservice.runs.serialize import run_to_dict
from dataservice.set_aside import service as set_aside
from dataservice.strava.models import StravaLink
from dataservice.strava.service import link_to_dict
from dataservice.users.models import User
from dataservice.users.service import user_to_dict
from runnerly_admin import stores
from runnerly_admin.output import config_option, echo_json
from runnerly_admin.runners import chosen, find_runner, runner_options
from runnerly_common.db import utcnow

FORMAT = "runnerly-export/1"


@click.command("export")
@config_option
@runner_options
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The zip file to write (replaced if it exists).",
)
def export(config: str | None, user_id: int | None, email: str | None, output: Path) -> None:
    """Write a runner's data to a zip: runner.json and their original files."""
    chosen(user_id, email)
    with stores.dataservice(config) as session:
        runner = find_runner(session, user_id, email)
        summary = write_export(session, runner, output)
    echo_json({"output": str(output), **summary})


def write_export(session: Session, runner: User, output: Path) -> dict[str, int]:
    """The zip at ``output``, written whole or not at all (a temporary file renamed)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".runnerly-export-", suffix=".zip", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            kept = _write_files(session, runner.id, zf)
            document = runner_document(session, runner, kept)
            zf.writestr("runner.json", json.dumps(document, indent=2, ensure_ascii=False))
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"runs": len(document["runs"]), "files": len(kept)}


def runner_document(session: Session, runner: User, kept: dict[int, str]) -> dict[str, Any]:
    """runner.json; ``kept`` maps run ids to their file's path in the zip."""
    on = today()
    link = session.get(StravaLink, runner.id)
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "runner": user_to_dict(runner),
        "strava": link_to_dict(link, None) if link is not None else None,  # no tokens
        "runs": _runs(session, runner.id, kept),
        # Activities a sync could not import, with why (newest first).
        "set_aside": [set_aside.to_dict(row) for row in set_aside.every(session, runner.id)],
        "races": [
            race_to_dict(race, on)
            for race in session.scalars(
                select(Race).where(Race.runner_id == runner.id).order_by(Race.date, Race.id)
            )
        ],
        "plans": [
            plans.describe(session, plan, on)
            for plan in session.scalars(
                select(Plan).where(Plan.runner_id == runner.id).order_by(Plan.start_date, Plan.id)
            )
        ],
    }


def _runs(session: Session, runner_id: int, kept: dict[int, str]) -> list[dict[str, Any]]:
    efforts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for effort in session.scalars(
        select(BestEffort)
        .where(BestEffort.runner_id == runner_id)
        .order_by(BestEffort.run_id, BestEffort.distance)
    ):
        efforts[effort.run_id].append(
            {"distance": effort.distance, "elapsed_time": effort.elapsed, "origin": effort.origin}
        )
    # Runs imported before files were kept: their recorded points are all there is.
    tracks: dict[int, Any] = dict(
        session.execute(
            select(RunTrack.run_id, RunTrack.points)
            .join(Run, Run.id == RunTrack.run_id)
            .outerjoin(RunFile, RunFile.run_id == RunTrack.run_id)
            .where(Run.runner_id == runner_id, RunFile.run_id.is_(None))
        ).all()
    )
    out = []
    for run in session.scalars(
        select(Run).where(Run.runner_id == runner_id).order_by(Run.start_time, Run.id)
    ):
        item = {**run_to_dict(run), "best_efforts": efforts.get(run.id, [])}
        item["file"] = kept.get(run.id)
        if run.id in tracks:
            item["track"] = tracks[run.id]
        out.append(item)
    return out


def _write_files(session: Session, runner_id: int, zf: zipfile.ZipFile) -> dict[int, str]:
    """Each original file into the zip, one at a time (never all of them in memory)."""
    run_ids = session.scalars(
        select(RunFile.run_id)
        .join(Run, Run.id == RunFile.run_id)
        .where(Run.runner_id == runner_id)
        .order_by(RunFile.run_id)
    ).all()
    kept = {}
    for run_id in run_ids:
        # Each id came from a join on runs: the run exists.
        run = session.get_one(Run, run_id)
        original = files.original(session, run)
        name = f"files/{run_id}-{original.filename}"
        zf.writestr(name, original.content)
        kept[run_id] = name
        session.expunge(session.get(RunFile, run_id))  # let the bytes go
    return kept
