"""Every sender of a worker task uses its definition in :mod:`runnerly_common.tasks`: a task
name written out as a string (``send_task("strava_worker.tasks.sync_runner", ...)``, a beat
entry, an f-string building one) anywhere in the repository fails here, as that copy would
go on sending the old name or arguments after the definition changed.

Reading a name back is not sending it: a literal compared with what reached the broker or a
log (the definitions' own test pins the names; the e2e test, whose environment installs none
of the packages, reads the worker's log) is allowed.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

from runnerly_common import tasks

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", ".venv", ".tox", "node_modules", "var", "build", "dist", "__pycache__"}
DEFINITIONS = Path(tasks.__file__).resolve()
NAMES = {task.name for task in tasks.WORKER_TASKS}
# "strava_worker.tasks.", "strava_worker.report_tasks.": where an f-string builds a name.
MODULES = {task.name.rpartition(".")[0] + "." for task in tasks.WORKER_TASKS}


def _python_files() -> Iterator[Path]:
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder, name)


def _read_back(tree: ast.AST) -> set[int]:
    """The ids of the nodes that are docstrings or inside a comparison."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            ids |= {id(inner) for inner in ast.walk(node)}
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            ids.add(id(body[0].value))
    return ids


def _is_task_name(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in NAMES or node.value.startswith(tuple(MODULES))
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        return isinstance(head, ast.Constant) and str(head.value).startswith(tuple(MODULES))
    return False


def literal_task_names(path: Path, root: Path = ROOT) -> list[str]:
    """``path:line: source`` of each task name written as a string in ``path``."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    read_back = _read_back(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in read_back or not _is_task_name(node):
            continue
        # An f-string's parts are visited on their own too: report the whole string once.
        found.append(
            f"{path.relative_to(root)}:{node.lineno}: {ast.get_source_segment(source, node)}"
        )
    return sorted(set(found))


def test_no_task_name_is_written_out_where_a_task_is_sent() -> None:
    found = [
        line
        for path in _python_files()
        if path.resolve() != DEFINITIONS
        for line in literal_task_names(path)
    ]
    assert found == [], "send these through runnerly_common.tasks:\n" + "\n".join(found)


def test_the_check_finds_a_send_by_name_a_beat_entry_and_an_f_string(tmp_path: Path) -> None:
    sender = tmp_path / "sender.py"
    sender.write_text(
        '"""Sends ``strava_worker.tasks.sync_runner`` (a docstring: not a send)."""\n'
        'app.send_task("strava_worker.tasks.sync_runner", kwargs={"user_id": 1})\n'
        'SCHEDULE = {"task": "strava_worker.report_tasks.send_monthly_reports"}\n'
        'app.send_task(f"strava_worker.tasks.{name}")\n'
        'assert message["task"] == "strava_worker.tasks.sync_runner"  # read back\n',
        encoding="utf-8",
    )
    found = literal_task_names(sender, root=tmp_path)
    assert [line.split(": ", 1)[0] for line in found] == [f"sender.py:{n}" for n in (2, 3, 4)]
