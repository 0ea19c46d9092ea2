"""``runnerly export``: everything Runnerly holds about a runner, in one zip.

``runner.json`` holds the profile (never the password hash), the Strava link's state (never
its tokens), the runs with their best efforts, the activities set aside (not imported, with
why), races and plans, as the API shows them;
``files/<run_id>-<name>`` holds each imported run's original file, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
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
        summary = write_export(session, runner.id, output)
    echo_json({"output": str(output), **summary})


def write_export(session: Session, runner_id: int, output: Path) -> dict[str, int]:
    """The zip at ``output``, written whole or not at all (a temporary file renamed)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".runnerly-export-", suffix=".zip", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            kept = _write_files(session, runner_id, zf)
            document = runner_document(session, runner_id, kept)
            zf.writestr("runner.json", json.dumps(document, indent=2, ensure_ascii=False))
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"runs": len(document["runs"]), "files": len(kept)}


def runner_document(session: Session, runner_id: int, kept: dict[int, str]) -> dict[str, Any]:
    """runner.json; ``kept`` maps run ids to their file's path in the zip."""
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        **dataservice.runner_data(session, runner_id, kept),
    }


def _write_files(session: Session, runner_id: int, zf: zipfile.ZipFile) -> dict[int, str]:
    """Each original file into the zip, one at a time (never all of them in memory)."""
    kept = {}
    for original in dataservice.original_files(session, runner_id):
        name = f"files/{original.run_id}-{original.filename}"
        zf.writestr(name, original.content)
        kept[original.run_id] = name
    return kept


def fingerprint(session: Session, runner_id: int, on: date | None = None) -> dict[str, Any]:
    """What the runner's export holds, without its time: runner.json's parts and each
    original file's SHA-256, by its name in the zip. Two databases that give the same
    fingerprint on the same date ``on`` (races' days to go count from it) give the same
    export (a backup records them, the restore drill compares them)."""
    kept, files = {}, {}
    for original in dataservice.original_files(session, runner_id):
        name = f"files/{original.run_id}-{original.filename}"
        kept[original.run_id] = name
        files[name] = hashlib.sha256(original.content).hexdigest()
    return {**dataservice.runner_data(session, runner_id, kept, on), "files": files}
