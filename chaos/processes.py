"""Processes a chaos test can kill and bring back: each runs in its own process group, on a
port chosen once, so a restart answers at the same address and its clients find it again.

- :class:`Service`: a server polled on a ready URL (gunicorn services, nginx).
- :class:`RedisServer`: a private ``redis-server`` with its append-only file, so a restart
  keeps the queue as a production Redis (and docker-compose's) does.
- :class:`CeleryProcess`: ``celery worker`` or ``beat``, ready when its log says so.

``kill()`` is SIGKILL to the whole group, the main process and its children at once, as a
lost machine or the OOM killer would: nothing is flushed, acknowledged or cleaned up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import redis

from runnerly_common.testing import ServiceProcess


def kill_group(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL ``process``'s group (it leads one: started with ``start_new_session``)."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def stop_group(process: subprocess.Popen[bytes] | None, timeout: float = 15) -> None:
    """SIGTERM (a clean stop), then SIGKILL of the group for whatever is left."""
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    # Children a clean stop left behind (a gunicorn worker stuck in a request).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(10)


class Service(ServiceProcess):
    """A :class:`ServiceProcess` that can be killed and restarted on the same port."""

    def __init__(self, name: str, command: Sequence[str], **kwargs: object) -> None:
        super().__init__(command, **kwargs)  # type: ignore[arg-type]
        self.name = name

    def kill(self) -> None:
        kill_group(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self, timeout: float = 15) -> None:
        stop_group(self.process, timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port`` with ``appendonly yes`` in ``workdir``."""

    name = "redis"

    def __init__(self, binary: str, workdir: Path, port: int) -> None:
        self.binary, self.workdir, self.port = binary, workdir, port
        self.log_path = workdir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        # AOF, fsync every second, as in production; no RDB snapshots (they would fork).
        command += ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"]
        command += ["--dir", str(self.workdir)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        client = redis.Redis.from_url(self.url(), socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited:\n" + self.log())
            try:
                client.ping()  # answers only once the append-only file is loaded
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise TimeoutError("redis-server did not start:\n" + self.log()) from None
                time.sleep(0.05)

    def kill(self) -> None:
        kill_group(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        stop_group(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class CeleryProcess:
    """``celery -A strava_worker.celery_app worker|beat``; its log is appended across
    restarts, and ``log_since(offset)`` reads what one life of it wrote."""

    def __init__(
        self, name: str, args: Sequence[str], env: Mapping[str, str], workdir: Path
    ) -> None:
        self.name = name
        self.role = args[0]
        self.command = [str(Path(sys.executable).parent / "celery")]
        self.command += ["-A", "strava_worker.celery_app", *args, "--loglevel=INFO"]
        self.env = {**os.environ, **env}
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0  # the log's size when the current life began

    def start(self, timeout: float = 60) -> None:
        self.started_at = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
            )
        ready = " ready." if self.role == "worker" else "beat: Starting..."
        deadline = time.monotonic() + timeout
        while ready not in self.log_since(self.started_at):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n" + self.log()[-4000:])
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready in {timeout}s:\n" + self.log()[-4000:])
            time.sleep(0.1)

    def kill(self) -> None:
        kill_group(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        stop_group(self.process, timeout=20)  # warm shutdown: a running task finishes

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_since(self, offset: int) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0
