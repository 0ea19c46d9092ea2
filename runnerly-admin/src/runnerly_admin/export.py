"""``runnerly export``: everything Runnerly holds about a runner, in one zip.

``runner.json`` holds the profile (never the password hash), the Strava link's state (never
its tokens), the runs with their best efforts, the activities set aside (not imported, with
why), races and plans, as the API shows them;
``files/<run_id>-<name>`` holds each imported run's original file, byte for byte, and a GPX
built from its streams for each Strava run (decision 55: the same zip as a runner's own
export, whose content is the dataservice's ``exports.content``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from dataservice import admin as dataservice
from runnerly_admin import stores
from runnerly_admin.output import config_option, echo_json
from runnerly_admin.runners import chosen, find_runner, runner_options
from runnerly_common.export_zip import FORMAT, ExportZip

__all__ = ["FORMAT", "export", "fingerprint", "write_export"]


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
    """The zip at ``output``, written whole or not at all (a temporary file renamed); the
    same content and format as a runner's own export (``runnerly_common.export_zip``)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".runnerly-export-", suffix=".zip", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as raw, ExportZip(raw) as zf:
            for name, data in dataservice.export_files(session, runner_id):
                zf.add(name, data)
            document = zf.finish(dataservice.export_document(session, runner_id))
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"runs": len(document["runs"]), "files": len(zf.names)}


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
