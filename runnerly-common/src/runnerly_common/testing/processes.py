"""Processes a test, chaos scenario or benchmark starts, waits for, kills and restarts.

Each runs in a process group of its own (``start_new_session``), on a port chosen once, so a
restart answers at the same address and its clients find it again. ``kill()`` is SIGKILL to
the whole group, the main process and its children at once, as a lost machine or the OOM
killer would: nothing is flushed, acknowledged or cleaned up. ``stop()`` is a clean SIGTERM,
then SIGKILL for whatever a clean stop left behind (a gunicorn worker stuck in a request).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import requests

BIN = Path(sys.executable).parent  # the venv's console scripts sit next to its python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(10)


def error_lines(text: str) -> list[str]:
    """Lines logged at ERROR or above, and tracebacks: a clean run has none."""
    return [
        line
        for line in text.splitlines()
        if '"level": "ERROR"' in line
        or '"level": "CRITICAL"' in line
        or line.startswith("Traceback")
    ]


class _Process:
    """What every started process shares: its group, its log (appended across restarts)."""

    name: str
    log_path: Path
    process: subprocess.Popen[bytes] | None

    def __enter__(self) -> Self:
        if not self.running:  # a starter's process is already up: ``with`` only stops it
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def _spawn(
        self, command: Sequence[str], env: Mapping[str, str], cwd: Path | None
    ) -> subprocess.Popen[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        kill_group(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self, timeout: float = 15) -> None:
        stop_group(self.process, timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def errors_in_log(self) -> list[str]:
        return error_lines(self.log())


class ServiceProcess(_Process):
    """A server: ``command`` until stopped, ready once ``ready_url`` answers 200.

    If the process dies before it is ready, its log is part of the error, so the failing
    test shows why.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        ready_url: str,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        timeout: float = 30,
        name: str | None = None,
        inherit_env: bool = True,
    ) -> None:
        """``inherit_env`` False: ``env`` is the whole environment (a service's own)."""
        self.command = list(command)
        self.name = name or Path(self.command[0]).name
        self.ready_url = ready_url
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})} if inherit_env else dict(env or {})
        self.cwd = cwd
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL (scheme, host and port of ``ready_url``)."""
        scheme, _, rest = self.ready_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    def start(self) -> None:
        self.process = self._spawn(self.command, self.env, self.cwd)
        try:
            self.wait_ready()
        except BaseException:  # SIGTERM's SystemExit too: nobody would stop it afterwards
            self.stop()
            raise

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n" + self.log()[-6000:]
                )
            try:
                if requests.get(self.ready_url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(
            f"{self.name}: {self.ready_url} not ready after {self.timeout}s:\n" + self.log()[-6000:]
        )


class CeleryProcess(_Process):
    """``celery -A <app> worker|beat ...``, ready when its log says so (" ready." for a
    worker, "beat: Starting..." for beat) in the part the current life of it wrote."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        workdir: Path,
        app: str = "strava_worker.celery_app",
        command: Sequence[str] | None = None,
        log_level: str = "INFO",
        timeout: float = 60,
        inherit_env: bool = True,
    ) -> None:
        """``command``: what runs instead of ``celery -A <app>`` (an instrumented worker);
        ``inherit_env`` False: ``env`` is the whole environment (a service's own)."""
        self.name = name
        self.role = args[0]
        self.command = list(command or [str(BIN / "celery"), "-A", app])
        self.command += [*args, f"--loglevel={log_level}"]
        self.env = {**os.environ, **env} if inherit_env else dict(env)
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0  # the log's size when the current life began

    def start(self) -> None:
        self.started_at = self.log_size()
        self.process = self._spawn(self.command, self.env, self.workdir)
        ready = " ready." if self.role == "worker" else "beat: Starting..."
        deadline = time.monotonic() + self.timeout
        try:
            while ready not in self.log_since(self.started_at):
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n" + self.log()[-4000:])
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{self.name} not ready in {self.timeout}s:\n" + self.log()[-4000:]
                    )
                time.sleep(0.1)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 20) -> None:
        stop_group(self.process, timeout)  # warm shutdown: a running task finishes

    def children(self) -> list[int]:
        """The pool's child processes (prefork)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()]
