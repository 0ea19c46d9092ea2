"""``runnerly import``: activity files become a runner's runs, as uploads do."""

from __future__ import annotations

from pathlib import Path

import click

from dataservice import admin as dataservice
from runnerly_admin import stores
from runnerly_admin.failures import problem_of
from runnerly_admin.output import config_option, echo_line
from runnerly_admin.runners import chosen, find_runner, runner_options


@click.command("import")
@config_option
@runner_options
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_files(
    config: str | None, user_id: int | None, email: str | None, files: tuple[Path, ...]
) -> None:
    """Import GPX, TCX or FIT files (gzipped too) as the runner's runs.

    Prints one JSON line per file: "created", or "unchanged" for a file imported before.
    Each file is its own transaction: a file that cannot be read writes nothing, is named
    on stderr, and the others still go in; the exit code is then 1."""
    chosen(user_id, email)
    limit = stores.dataservice_settings(config).max_content_length
    rejected = 0
    with stores.dataservice_db(config) as db:
        with db.transaction() as session:
            runner_id = find_runner(session, user_id, email).id
        for path in files:
            content = path.read_bytes()
            if len(content) > limit:
                _reject(path, f"larger than the dataservice's upload limit ({limit:,} bytes)")
                rejected += 1
                continue
            try:
                with db.transaction() as session:
                    imported = dataservice.import_file(session, runner_id, path.name, content)
            except (
                dataservice.APIError
            ) as exc:  # the file's problem, as an upload would get it (422)
                _reject(path, problem_of(exc))
                rejected += 1
                continue
            status = "created" if imported.created else "unchanged"
            echo_line({"file": str(path), "status": status, "run_id": imported.run_id})
    if rejected:
        raise click.exceptions.Exit(1)


def _reject(path: Path, problem: str) -> None:
    click.echo(f"runnerly: {path}: {problem}", err=True)
