"""The whole local stack as `make run` starts it (honcho, the Procfile, the env files).

What the end-to-end tests, the soak and benchmarks/web/ run: the README's stack, not one
assembled for a test. It binds the fixed development ports, so it refuses to start when
something already listens on one of them.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from runnerly_common.testing.ci import ServiceUnavailable
from runnerly_common.testing.services import repo_root

ROOT = repo_root()
VENV_BIN = ROOT / ".venv" / "bin"
GATEWAY_URL = "http://localhost:8080"
# Every port the Procfile's services listen on (config/dev.env).
PORTS = {
    "web": 5000,
    "tokendealer": 5001,
    "dataservice": 5002,
    "strava-sim": 5004,
    "strava-webhook": 5005,
    "strava-worker": 5006,  # its /healthz, /readyz and /metrics
    "strava-streams": 5007,  # the streams worker's (its Procfile line sets the port)
    "mailsink": 1025,
    "gateway": 8080,
    "gateway-status": 8081,
}
# Readiness: the upstreams first, so no request reaches the gateway before they can answer
# (that would put a "connect() failed" [error] in its log).
HEALTH = [
    *(f"http://127.0.0.1:{port}/healthz" for port in (5001, 5002, 5004, 5005, 5006, 5007, 5000)),
    "http://127.0.0.1:8081/healthz",
    f"{GATEWAY_URL}/",
]
ERROR_LINE = re.compile(r'\[(error|crit|alert|emerg)\]|"level": "(ERROR|CRITICAL)"|Traceback')
# Celery's pool reporting a child killed by a signal. Once the stack is stopping these are
# honcho's doing: like Ctrl-C in a terminal, it signals each process group, so the pool's
# children get the signal beside their parent (`docker stop` signals the parent alone).
# The pool's line about the child, and the worker's about the task the child was running
# (billiard's SIGTERM handler exits the child with status 15).
POOL_CHILD_SIGNALLED = re.compile(
    r'"logger": "multiprocessing", "message": "Process \'ForkPoolWorker-\d+\' pid:\d+ exited '
    r"with '(signal (2|9|15) |exitcode (2|9|15)')"
    r"|WorkerLostError\('Worker exited prematurely: (signal (2|9|15) |exitcode (2|9|15)\b)"
)


class StackUnavailable(ServiceUnavailable):
    """The stack cannot start here (busy ports, no .venv, no dashboard build)."""


def busy_ports() -> list[str]:
    busy = []
    for name, port in PORTS.items():
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(f"{name} :{port}")
    return busy


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class ProcfileStack:
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    pids: set[int] = field(default_factory=set)
    # Where the log stood once every service answered: what came before is the start-up.
    ready_offset: int = 0
    # Where it stood when the stop began: what comes after is the shut-down.
    stop_offset: int | None = None

    def env_files(self) -> list[str]:
        """honcho's env files (relative to ROOT), in its order: a later file wins."""
        return ["config/dev.env", "var/dev/runnerly.env"]

    def env(self) -> dict[str, str]:
        """The environment honcho starts with (tox's own variables left out)."""
        return {k: v for k, v in os.environ.items() if not k.startswith(("TOX_", "VIRTUAL_ENV"))}

    def prepare(self) -> None:
        """A hook run after `make setup`, before honcho: stores a subclass adds (none here)."""

    def start(self, timeout: float = 90.0) -> None:
        if not (VENV_BIN / "honcho").exists():
            raise StackUnavailable(f"{VENV_BIN}/honcho is missing: run `make setup`")
        if not (ROOT / "runnerly-web" / "frontend" / "dist" / "index.html").exists():
            raise StackUnavailable("the dashboard is not built: run `make frontend`")
        if busy := busy_ports():
            raise StackUnavailable(f"ports already in use (is `make run` up?): {busy}")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # `make run` = `make setup` (secrets, migrations, demo runner) then honcho.
        subprocess.run(
            [str(VENV_BIN / "python"), "scripts/dev_setup.py"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.prepare()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "honcho"),
                "start",
                "-f",
                "Procfile",
                "-e",
                ",".join(self.env_files()),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env(),
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        for url in HEALTH:
            while not self._ready(url):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the stack stopped while starting; see {self.log_path}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{url} not ready in {timeout:.0f} s; see {self.log_path}")
                time.sleep(0.3)
        self.pids = _descendants(self.process.pid)
        self.ready_offset = self.log_path.stat().st_size

    @staticmethod
    def _ready(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http only
                status: int = response.status
                return status < 500
        except urllib.error.HTTPError as e:
            return e.code < 500
        except OSError:
            return False

    def stop(self, timeout: float = 30.0) -> list[int]:
        """Stop as Ctrl-C does; return the pids still alive afterwards (none, when all is well)."""
        if self.process is None:
            return []
        self.pids |= _descendants(self.process.pid)
        self.stop_offset = self.log_path.stat().st_size
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        deadline = time.monotonic() + 10
        while (left := [p for p in self.pids if _alive(p)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in left:  # only our own processes: found under our honcho
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process = None
        return left

    def error_lines(self, *, startup: bool = False) -> list[str]:
        """Error lines logged after the stack was ready (or, with startup, before)."""
        raw = self.log_path.read_bytes()
        if startup:
            return _errors(raw[: self.ready_offset])
        if self.stop_offset is None:
            return _errors(raw[self.ready_offset :])
        running = _errors(raw[self.ready_offset : self.stop_offset])
        stopping = _errors(raw[self.stop_offset :])
        return running + [line for line in stopping if not POOL_CHILD_SIGNALLED.search(line)]


def _errors(part: bytes) -> list[str]:
    text = part.decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if ERROR_LINE.search(line)]
