"""A private redis-server for a benchmark: nobody else's keys, nothing kept on disk.

The sync benchmark, the soak and the Celery retry benchmark each need a broker and store of
their own, so that the machine's shared Redis (and whatever other sessions keep in it) neither
skews nor sees their figures.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from runnerly_common.testing import free_port


@contextlib.contextmanager
def private_redis(work: Path) -> Iterator[tuple[str, int]]:
    """redis-server on a free port, logging to ``work/redis.log``, always stopped; its URL and
    process id (for the CPU time it spent)."""
    port = free_port()
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port)]
    command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(work)]
    with (work / "redis.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    url = f"redis://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
                break
            except redis.RedisError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((work / "redis.log").read_text()) from None
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_version() -> str:
    """redis-server's version, as ``redis-server --version`` prints it after ``v=``."""
    words = subprocess.run(
        [shutil.which("redis-server") or "redis-server", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return next((w[2:] for w in words if w.startswith("v=")), "?")
