"""Where the CPU goes inside each process of benchmarks/sync/: py-spy, grouped.

``--profile`` adds one more batched round during which ``py-spy record`` samples every
process of the dataservice, strava-sim and the Celery worker (``--subprocesses``, 100 Hz,
not pausing them).  Each sample is charged to the innermost frame's library: JSON, the
OpenAPI validation, SQLAlchemy, the database driver, the HTTP server or client, and so on.
py-spy is a development tool, not a dependency: ``pip install py-spy`` first.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

RATE = 100  # samples per second and process
# (category, path fragments of the innermost frame's file); the first that matches wins.
CATEGORIES = (
    ("database driver (psycopg, sqlite3)", ("/psycopg/", "/psycopg_binary/", "/sqlite3/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("JSON encode / decode", ("/json/", "/flask/json/")),
    ("OpenAPI request validation", ("/runnerly_common/openapi", "/jsonschema/")),
    ("token verification (JWT, crypto)", ("/jwt/", "/cryptography/", "/runnerly_common/auth/")),
    ("logging", ("/logging/", "/pythonjsonlogger/")),
    ("HTTP server (gunicorn, werkzeug, Flask)", ("/gunicorn/", "/werkzeug/", "/flask/")),
    (
        "HTTP client (requests, urllib3, http.client)",
        ("/requests/", "/urllib3/", "/http/", "/socket.py", "/ssl.py"),
    ),
    ("Celery, kombu, Redis client", ("/celery/", "/kombu/", "/billiard/", "/redis/", "/vine/")),
    ("benchmark probes", ("/benchmarks/sync/",)),
    (
        "the service's own code",
        ("/dataservice/", "/strava_sim/", "/strava_worker/", "/runnerly_common/"),
    ),
)
# Driver calls SQLAlchemy makes: a sample inside the C driver shows this frame innermost.
DRIVER_FRAMES = ("do_execute", "do_executemany", "do_execute_no_params", "do_commit", "do_ping")


def available() -> str | None:
    """The py-spy executable, if installed (next to this Python, or on the PATH)."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def profiling(directory: Path, pids: dict[str, int]) -> Iterator[dict[str, Path]]:
    """``py-spy record`` on each process tree until the block ends; the raw output files."""
    executable = available()
    if executable is None:
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    spies: list[subprocess.Popen[bytes]] = []
    outputs = {name: directory / f"profile-{name.replace(' ', '-')}.txt" for name in pids}
    log = (directory / "py-spy.log").open("ab")
    for name, pid in pids.items():
        command = [executable, "record", "--pid", str(pid), "--subprocesses", "--gil"]
        command += ["--nonblocking"]
        command += ["--format", "raw", "--full-filenames", "--nolineno", "--rate", str(RATE)]
        command += ["--output", str(outputs[name])]
        spies.append(subprocess.Popen(command, stdout=log, stderr=log))
    time.sleep(1)  # attached to every process before the round starts
    try:
        yield outputs
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        for spy in spies:
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.kill()
        log.close()


def category(leaf: str) -> str:
    """The category of a raw-format frame, ``function (/path/to/file.py)``."""
    function, _, path = leaf.rpartition(" (")
    if function in DRIVER_FRAMES:
        return CATEGORIES[0][0]
    for name, fragments in CATEGORIES:
        if any(fragment in path for fragment in fragments):
            return name
    return "other (Python's own library, C calls)"


def summarize(path: Path) -> dict[str, float]:
    """Seconds of CPU (samples / rate) per category, from a raw py-spy file."""
    seconds: dict[str, float] = defaultdict(float)
    if not path.exists():
        return {}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        seconds[category(stack.rsplit(";", 1)[-1])] += int(count) / RATE
    return dict(seconds)
