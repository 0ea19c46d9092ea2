"""The soak's stack (``python -m benchmarks.soak``): `make run`'s, with the stores a
deployment would use.

The processes, ports and commands are those of `make run` (the Procfile under honcho, with
config/dev.env and the development secrets), started and stopped by the harness's
:class:`runnerly_common.testing.procfile.ProcfileStack`. One more env file, written last so
that it wins, points the stores where 200 runners at once need them, as docker-compose.yml does: the
dataservice on a throw-away PostgreSQL database (SQLite takes one writer at a time, and the
soak writes from both gunicorn workers and the Celery worker at once), the Celery broker, the
worker's rate budget and the login throttle on a private ``redis-server`` (the SQLite broker
is polled; Redis is compose's), strava-sim on a file of its own with an athlete per linked
runner, and the gateway trusting ``X-Forwarded-For`` from this machine, the way a deployment
trusts its load balancer, so that each simulated runner is a client of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from runnerly_common.testing.procfile import ROOT, VENV_BIN, ProcfileStack
from runnerly_common.testing.services import read_env_file


def soak_env(
    work: Path, database_url: str, redis_url: str, athletes: int, admin_token: str
) -> dict[str, str]:
    relative = work.relative_to(ROOT)
    return {
        "DATASERVICE_DATABASE_URL": database_url,
        "STRAVA_SIM_DATABASE_URL": f"sqlite:///{relative}/strava-sim.db",
        "STRAVA_SIM_ATHLETES": str(athletes),
        "STRAVA_SIM_YEARS": "1",
        "STRAVA_SIM_ACTIVITIES_PER_YEAR": "150",
        "STRAVA_SIM_ADMIN_TOKEN": admin_token,
        "STRAVA_WORKER_BROKER_URL": f"{redis_url}/0",
        "RUNNERLY_WEB_BROKER_URL": f"{redis_url}/0",
        "STRAVA_WORKER_REDIS_URL": f"{redis_url}/1",
        "RUNNERLY_WEB_REDIS_URL": f"{redis_url}/2",
        "GATEWAY_TRUSTED_PROXIES": "127.0.0.1/32",
        # Production's "Sync now" cooldown, not the development stack's 0: the soak
        # measures what runners of a deployment can do to the shared Strava budget.
        "RUNNERLY_WEB_SYNC_COOLDOWN_SECONDS": "300",
        "GATEWAY_PREFIX": f"{relative}/gateway",
    }


class SoakStack(ProcfileStack):
    """`make run`'s stack with one more env file after config/dev.env and the secrets."""

    def __init__(self, log_path: Path, env_file: Path) -> None:
        super().__init__(log_path)
        self.env_file = env_file

    def env_files(self) -> list[str]:
        return [*super().env_files(), str(self.env_file.relative_to(ROOT))]

    def env(self) -> dict[str, str]:
        """What the services see: the environment, then each env file in honcho's order."""
        env = super().env()
        for name in self.env_files():
            env.update(read_env_file(ROOT / name))
        return env

    def prepare(self) -> None:
        # The tokendealer's SQLite file from `make setup` is kept (it is read far more than
        # written); the soak's own stores get their schema and seed here.
        run = {"cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL, "env": self.env()}
        subprocess.run([str(VENV_BIN / "dataservice"), "migrate"], **run)
        subprocess.run([str(VENV_BIN / "strava-sim"), "reset"], **run)

    def start(self, timeout: float = 120.0) -> None:
        super().start(timeout)


def prepare_work(work: Path) -> None:
    """A clean folder for the soak's files (the last run's are replaced)."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
