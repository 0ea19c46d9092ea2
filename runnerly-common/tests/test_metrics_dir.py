"""Where prometheus-client's multiprocess mode keeps its files: a fresh directory per start
of a server or worker, gone when it exits, and none left behind by processes killed before
they could remove theirs.  Real processes; the gunicorn side is in server/test_gunicorn.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runnerly_common.metrics import DIRECTORY_PREFIX, MULTIPROC_ENV, remove_stale_directories

PREPARE = (
    "from runnerly_common.metrics import prepare_multiprocess_dir\n"
    "print(prepare_multiprocess_dir('strava-worker'))\n"
)


def prepare_in_a_process(tmp_path: Path, **env: str) -> Path:
    inherited = {key: value for key, value in os.environ.items() if key != MULTIPROC_ENV}
    done = subprocess.run(
        [sys.executable, "-c", PREPARE],
        env={**inherited, "TMPDIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return Path(done.stdout.strip())


def test_a_process_gets_its_own_directory_which_goes_when_it_exits(tmp_path: Path) -> None:
    path = prepare_in_a_process(tmp_path)
    assert path.parent == tmp_path
    assert path.name.startswith(DIRECTORY_PREFIX) and "-strava-worker-" in path.name
    assert not path.exists()


def test_the_operators_directory_is_used_emptied_of_earlier_counts(tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_4242.db").write_bytes(b"\0" * 4096)
    (directory / "README").write_text("not prometheus-client's: kept")
    assert prepare_in_a_process(tmp_path, **{MULTIPROC_ENV: str(directory)}) == directory
    assert directory.exists() and not (directory / "counter_4242.db").exists()
    assert (directory / "README").exists()


def test_only_the_directories_of_processes_gone_are_removed(tmp_path: Path) -> None:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])  # a pid that has just exited
    exited.wait()
    dead = tmp_path / f"{DIRECTORY_PREFIX}{exited.pid}-strava-worker-abc"
    alive = tmp_path / f"{DIRECTORY_PREFIX}{os.getpid()}-dataservice-def"
    other = tmp_path / "unrelated"
    for path in (dead, alive, other):
        path.mkdir()
        (path / "counter_1.db").write_bytes(b"")
    remove_stale_directories(tmp_path)
    assert not dead.exists()
    assert alive.exists() and other.exists()


def test_a_new_start_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    left = tmp_path / f"{DIRECTORY_PREFIX}{exited.pid}-strava-worker-abc"
    left.mkdir()
    prepare_in_a_process(tmp_path)
    assert not left.exists()
