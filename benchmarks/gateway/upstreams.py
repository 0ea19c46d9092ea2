"""The gunicorn endpoints ``python -m benchmarks.gateway`` puts behind each front end.

- ``month`` (the default): a real ``dataservice serve`` (gunicorn with the service's own
  worker settings, as it is deployed) on a throw-away PostgreSQL database holding runners
  with three years of runs each, answering ``GET /api/v1/runs/{runner}/{year}/{month}`` to
  runner tokens as runnerly-web sends them (ES256, verified against a JWKS served from this
  process), the call a dashboard makes most (~28 runs with their polylines, about 21 KB of JSON).
- ``ping``: a ``runnerly_common`` Flask app under the same gunicorn settings answering
  ``GET /api/v1/ping`` with a few bytes of JSON: the cheapest request a service answers, so
  that the front end's fixed cost per request weighs the most (the worst case for a ratio).

Run as a module (``python -m benchmarks.gateway.upstreams <port> <workers> <threads>``), it
serves the ping app (the child process of :func:`ping`).
"""

from __future__ import annotations

import contextlib
import random
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.common.repo import module_command
from runnerly_common.testing import ServiceProcess, free_port

PING_PATH = "/api/v1/ping"
# What runnerly-web sends (python-requests), and a named host: a numeric Host header or a
# missing Accept counts against a request in CRS, and neither is what the gateway sees.
CLIENT_HEADERS = {
    "Host": "runnerly.example",
    "User-Agent": "python-requests/2.32.3",
    "Accept": "application/json",
}


@dataclass
class Endpoint:
    """A running endpoint: its base URL, the requests to send it, its gunicorn master."""

    name: str
    base_url: str
    pid: int
    # (path, headers) pairs, sent round-robin.
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    about: dict[str, Any] = field(default_factory=dict)
    database_url: str | None = None  # month: the PostgreSQL database it reads

    def postgres_pids(self) -> list[int]:
        """The PostgreSQL backends serving this endpoint's database now (its pools')."""
        if not self.database_url:
            return []
        import psycopg

        from benchmarks.dataservice.data import libpq_url

        with psycopg.connect(libpq_url(self.database_url)) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]


def serve_ping(port: int, workers: int, threads: int) -> None:
    """The ping app, served as every Runnerly service is (runs in a child process)."""
    from runnerly_common import create_app
    from runnerly_common.server import serve
    from runnerly_common.settings import Settings

    settings = Settings.load(
        environ={}, port=port, workers=workers, threads=threads, log_level="WARNING"
    )

    def load() -> Any:
        app = create_app("bench-upstream", settings)

        @app.get(PING_PATH)
        def ping() -> dict[str, str]:
            return {"status": "ok", "service": "bench-upstream"}

        return app

    serve(load, settings)


@contextlib.contextmanager
def ping(workers: int, threads: int) -> Iterator[Endpoint]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = module_command("benchmarks.gateway.upstreams", str(port), str(workers), str(threads))
    with (
        tempfile.TemporaryDirectory(prefix="bench-ping-") as tmp,
        ServiceProcess(
            command, ready_url=base + PING_PATH, log_path=Path(tmp, "ping.log")
        ) as server,
    ):
        assert server.process is not None
        yield Endpoint("ping", base, server.process.pid, [(PING_PATH, dict(CLIENT_HEADERS))])
        if errors := server.errors_in_log():
            raise RuntimeError("the ping app logged errors:\n" + "\n".join(errors[:20]))


@contextlib.contextmanager
def month(
    workers: int,
    threads: int,
    runners: int,
    runs_per_runner: int,
    samples: int,
    seed: int,
) -> Iterator[Endpoint]:
    """The dataservice's month endpoint over a freshly loaded throw-away database."""
    from benchmarks.dataservice.data import history_window, load_history, loaded_runner_ids
    from benchmarks.dataservice.server import served_dataservice
    from dataservice.migrate import upgrade
    from dataservice.models import import_all_models
    from runnerly_common.testing import new_key, sign_token, temporary_postgres_database

    key = new_key("ES256", "bench-gateway")
    with temporary_postgres_database("bench_gateway") as url:
        upgrade(url)
        import_all_models()
        load = load_history(url, runners, runs_per_runner, seed)
        ids = loaded_runner_ids(url, runners, runs_per_runner)
        assert ids is not None
        rng = random.Random(seed)
        first_day, days = history_window()
        tokens: dict[int, dict[str, str]] = {}
        requests = []
        for _ in range(samples):
            runner = rng.choice(ids)
            day = first_day + timedelta(days=rng.randrange(days))
            if runner not in tokens:
                token = sign_token(
                    key,
                    audience="dataservice",
                    subject=str(runner),
                    scope="runs:read",
                    ttl=6 * 3600,
                    client_id="runnerly-web",
                    act={"sub": "runnerly-web"},
                )
                tokens[runner] = {**CLIENT_HEADERS, "Authorization": f"Bearer {token}"}
            requests.append((f"/api/v1/runs/{runner}/{day.year}/{day.month}", tokens[runner]))
        about = {
            "runners": runners,
            "runs": load.runs,
            "distinct_requests": samples,
            "load_s": round(load.total_s, 1),
        }
        with served_dataservice(url, key, workers, threads) as server:
            yield Endpoint("month", server.url, server.process.pid, requests, about, url)


if __name__ == "__main__":
    serve_ping(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
