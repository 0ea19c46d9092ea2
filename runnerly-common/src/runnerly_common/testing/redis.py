"""Redis for tests and benchmarks: a private ``redis-server`` (nobody else's keys, restartable),
or the machine's shared one named by RUNNERLY_TEST_REDIS_URL."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import redis

from runnerly_common.testing.ci import ServiceUnavailable, require_program
from runnerly_common.testing.processes import _Process, free_port, stop_group

SHARED_REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


def redis_server_binary() -> str:
    return require_program("redis-server", "redis-server", "/usr/bin/redis-server")


def server_version() -> str:
    """redis-server's version, as ``redis-server --version`` prints it after ``v=``."""
    words = subprocess.run(
        [redis_server_binary(), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    return next((w[2:] for w in words if w.startswith("v=")), "?")


def shared_redis(db: int) -> str:
    """The URL of database ``db`` of the shared Redis; ServiceUnavailable if it does not answer."""
    url = f"{SHARED_REDIS_URL}/{db}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis not reachable at {SHARED_REDIS_URL}: {exc}") from exc
    return url


class RedisServer(_Process):
    """``redis-server`` on 127.0.0.1:``port`` with its files in ``workdir``.

    ``appendonly``: an append-only file fsynced every second, as in production (a restart
    keeps the queue); without it nothing is kept, and a restart starts empty. ``host``: the
    address it binds (a node's); ``wrap``: what the command runs under (``ip netns exec``).
    """

    name = "redis"

    def __init__(
        self,
        workdir: Path,
        port: int | None = None,
        *,
        appendonly: bool = False,
        host: str = "127.0.0.1",
        wrap: tuple[str, ...] = (),
    ) -> None:
        self.binary = redis_server_binary()
        self.workdir = workdir
        self.port = port or free_port()
        self.appendonly = appendonly
        self.host = host
        self.wrap = wrap
        self.log_path = workdir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def url(self, db: int = 0) -> str:
        return f"{self.base_url}/{db}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [*self.wrap, self.binary, "--port", str(self.port), "--bind", self.host]
        command += ["--save", ""]
        if self.host != "127.0.0.1":  # a node's address: its peers are not loopback
            command += ["--protected-mode", "no"]
        if self.appendonly:  # no RDB snapshots either way: they would fork
            command += ["--appendonly", "yes", "--appendfsync", "everysec"]
        else:
            command += ["--appendonly", "no"]
        self.process = self._spawn([*command, "--dir", str(self.workdir)], os.environ, None)
        client = redis.Redis.from_url(self.url(), socket_connect_timeout=0.5)
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited:\n" + self.log())
            try:
                client.ping()  # answers only once the append-only file is loaded
                client.close()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    stop_group(self.process)
                    raise TimeoutError("redis-server did not start:\n" + self.log()) from None
                time.sleep(0.05)
