"""One starter per service: each runs the service's own console script (the command an
operator runs) on a free port of 127.0.0.1, in a folder of its own, with test settings, and
returns once it answers.

Every starter takes ``settings``: more of the service's settings, named without the
service's prefix (``workers="4"`` is ``DATASERVICE_WORKERS=4``; they override the starter's
own, such as its WARNING ``log_level``; ``host`` is where it listens and where it is asked
whether it is ready), and ``command``: another command serving the same app (a benchmark's
instrumented one, or the service run inside a network namespace: chaos/netns.py). The
caller stops what it started (``with`` the returned process, or
:func:`runnerly_common.testing.stack.start_stack` for several).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from runnerly_common.testing.processes import BIN, CeleryProcess, ServiceProcess, free_port

SIM_SECRET = "sim-client-secret"  # strava-sim's client secret in every test stack
SIM_CLIENT_ID = "1000"
UNLIMITED = str(10**9)  # "limits lifted": neither strava-sim nor the worker's budget refuses
# What each of our services reads from the environment: a started service sees none of the
# others' settings, whatever the shell that started the tests holds.
_PREFIXES = (
    "TOKENDEALER_",
    "DATASERVICE_",
    "STRAVA_SIM_",
    "STRAVA_WORKER_",
    "RUNNERLY_",
    "GATEWAY_",
    "PROMETHEUS_MULTIPROC_DIR",
)


def repo_root() -> Path:
    """The repository (the folder holding config/clients.toml and the Procfile)."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "Procfile").is_file() and (folder / "config" / "clients.toml").is_file():
                return folder
    raise FileNotFoundError("not inside the Runnerly repository (no Procfile, config/clients.toml)")


def service_env(**env: str) -> dict[str, str]:
    """A service's environment: ours, less every service's settings, plus ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    return {**base, "RUNNERLY_ENV": "test", "PYTHONUNBUFFERED": "1", **env}


def prefixed(prefix: str, settings: Mapping[str, Any]) -> dict[str, str]:
    """``{"workers": 2}`` as ``{"<PREFIX>WORKERS": "2"}``."""
    return {f"{prefix}{name.upper()}": str(value) for name, value in settings.items()}


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (what ``tokendealer bootstrap --env-file`` writes)."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


@dataclass
class Service:
    """A started service: its process (stop, kill, restart on the same port), base URL,
    environment and folder."""

    name: str
    process: ServiceProcess
    env: dict[str, str]
    work: Path

    @property
    def url(self) -> str:
        return self.process.url

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run the service's console script with the service's settings; its stdout."""
        done = subprocess.run(
            [str(BIN / self.process.command[0].rsplit("/", 1)[-1]), *args],
            env={**self.env, **(env or {})},
            cwd=self.work,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout


def _serve(
    name: str,
    work: Path,
    env: dict[str, str],
    port: int,
    ready_path: str,
    command: Sequence[str] | None,
    # Generous: a start takes a second or two, but on a 2-core machine running three test
    # environments at once a gunicorn service's two workers took over 30 s to answer.
    timeout: float = 90,
    script: str | None = None,
    host: str = "127.0.0.1",
) -> ServiceProcess:
    process = ServiceProcess(
        list(command or [str(BIN / (script or name)), "serve"]),
        ready_url=f"http://{host}:{port}{ready_path}",
        log_path=work / f"{name}.log",
        env=env,
        cwd=work,
        timeout=timeout,
        name=name,
        inherit_env=False,
    )
    process.start()
    return process


def _host(env: Mapping[str, str], prefix: str) -> str:
    """Where a service started with ``env`` answers: its ``<PREFIX>HOST`` setting (a
    node's address), else loopback."""
    host = env.get(f"{prefix}HOST", "") or "127.0.0.1"
    return "127.0.0.1" if host == "0.0.0.0" else host  # noqa: S104 - compared, not bound


# --- the tokendealer --------------------------------------------------------------------------


@dataclass
class Tokendealer(Service):
    credentials: dict[str, str] = field(default_factory=dict)  # bootstrap's env file

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"

    def client(self, env_prefix: str) -> tuple[str, str]:
        """A client's id and secret by its ``env_prefix`` in clients.toml."""
        return self.credentials[f"{env_prefix}_ID"], self.credentials[f"{env_prefix}_SECRET"]


def start_tokendealer(
    work: Path,
    *,
    clients: str | None = None,
    dataservice_url: str = "",
    workers: int = 2,
    command: Sequence[str] | None = None,
    **settings: Any,
) -> Tokendealer:
    """The tokendealer on SQLite, the clients bootstrapped: ``clients`` is a clients.toml's
    text (default: the repository's config/clients.toml, the clients deployed).
    ``dataservice_url``: where token exchange asks about runners. Two workers by default:
    one may wait on the dataservice while the other serves it the JWKS."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = service_env(
        TOKENDEALER_PORT=str(port),
        TOKENDEALER_WORKERS=str(workers),
        TOKENDEALER_DATABASE_URL=f"sqlite:///{work}/td.db",
        **({"TOKENDEALER_DATASERVICE_URL": dataservice_url} if dataservice_url else {}),
        **prefixed("TOKENDEALER_", {"log_level": "WARNING", **settings}),
    )
    clients_path = repo_root() / "config" / "clients.toml"
    if clients is not None:
        clients_path = work / "clients.toml"
        clients_path.write_text(clients)
    subprocess.run(
        [
            str(BIN / "tokendealer"),
            "bootstrap",
            "--clients",
            str(clients_path),
            "--env-file",
            str(work / "c.env"),
        ],
        env=env,
        cwd=work,
        check=True,
        capture_output=True,
    )
    host = _host(env, "TOKENDEALER_")
    process = _serve("tokendealer", work, env, port, "/readyz", command, host=host)
    return Tokendealer("tokendealer", process, env, work, read_env_file(work / "c.env"))


# --- the dataservice --------------------------------------------------------------------------


@dataclass
class Dataservice(Service):
    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def ensure_user(self, email: str, password: str = "", *, admin: bool = False) -> int:
        """A runner made with the CLI, as an operator makes one; its id."""
        args = ["ensure-user", email]
        if password:
            args += ["--password-env", "RUNNERLY_TEST_PASSWORD"]
        if admin:
            args.append("--admin")
        out = self.cli(*args, env={"RUNNERLY_TEST_PASSWORD": password})
        user_id: int = json.loads(out.strip().splitlines()[-1])["id"]
        return user_id


def start_dataservice(
    work: Path,
    *,
    database_url: str,
    jwks_url: str,
    port: int | None = None,
    workers: int = 2,
    migrate: bool = True,
    command: Sequence[str] | None = None,
    **settings: Any,
) -> Dataservice:
    """The dataservice on ``database_url`` (migrated first), trusting ``jwks_url``.
    ``port``: one chosen earlier (a tokendealer told where to ask about runners)."""
    from cryptography.fernet import Fernet

    work.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = service_env(
        DATASERVICE_DATABASE_URL=database_url,
        DATASERVICE_JWKS_URL=jwks_url,
        DATASERVICE_PORT=str(port),
        DATASERVICE_WORKERS=str(workers),
        # Nodes of one deployment share a key (``strava_token_keys`` in ``settings``).
        **prefixed(
            "DATASERVICE_",
            {
                "log_level": "WARNING",
                "strava_token_keys": Fernet.generate_key().decode(),
                **settings,
            },
        ),
    )
    if migrate:
        subprocess.run(
            [str(BIN / "dataservice"), "migrate"],
            env=env,
            cwd=work,
            check=True,
            capture_output=True,
        )
    host = _host(env, "DATASERVICE_")
    process = _serve("dataservice", work, env, port, "/readyz", command, host=host)
    return Dataservice("dataservice", process, env, work)


# --- strava-sim -------------------------------------------------------------------------------


@dataclass
class StravaSim(Service):
    seeding: dict[str, Any] = field(default_factory=dict)  # what `strava-sim reset` printed
    athletes: int = 0

    @property
    def api(self) -> str:
        return f"{self.url}/api/v3"

    @property
    def oauth(self) -> str:
        return f"{self.url}/oauth"

    def set_faults(self, **faults: Any) -> None:
        """``error_rate``, ``latency_ms``, ``seed``: what every metered call suffers."""
        answer = requests.post(f"{self.url}/admin/faults", json=faults, timeout=5)
        answer.raise_for_status()


def start_strava_sim(
    work: Path,
    *,
    athletes: int,
    workers: int = 2,
    database_url: str = "",
    lift_limits: bool = False,
    reset: bool = False,
    latency_ms: int = 0,
    command: Sequence[str] | None = None,
    **settings: Any,
) -> StravaSim:
    """strava-sim with ``athletes`` athletes. ``lift_limits``: no rate limit refuses;
    ``reset``: seed with `strava-sim reset` first (timed apart from the start, its counts in
    ``seeding``); ``latency_ms``: each metered call that much slower."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    limits = {
        f"STRAVA_SIM_RATE_LIMIT_{name}": UNLIMITED
        for name in ("15MIN", "DAILY", "OVERALL_15MIN", "OVERALL_DAILY")
    }
    env = service_env(
        STRAVA_SIM_PORT=str(port),
        STRAVA_SIM_WORKERS=str(workers),
        STRAVA_SIM_CLIENT_SECRET=SIM_SECRET,
        STRAVA_SIM_ATHLETES=str(athletes),
        STRAVA_SIM_DATABASE_URL=database_url or f"sqlite:///{work}/sim.db",
        **(limits if lift_limits else {}),
        **prefixed("STRAVA_SIM_", {"log_level": "WARNING", **settings}),
    )
    seeding: dict[str, Any] = {}
    if reset:
        done = subprocess.run(
            [str(BIN / "strava-sim"), "reset"], env=env, cwd=work, check=True, capture_output=True
        )
        seeding = json.loads(done.stdout.decode().strip().splitlines()[-1])
    # Seeding the athletes' activities on first start takes longer than a plain start.
    process = _serve(
        "strava-sim",
        work,
        env,
        port,
        "/admin/rate-limits",
        command,
        timeout=120,
        host=_host(env, "STRAVA_SIM_"),
    )
    sim = StravaSim("strava-sim", process, env, work, seeding, athletes)
    if latency_ms:
        sim.set_faults(error_rate=0, latency_ms=latency_ms, seed=1)
    return sim


# --- runnerly-web -----------------------------------------------------------------------------


def web_environ(
    work: Path,
    *,
    dataservice_url: str,
    tokendealer: Tokendealer,
    strava_url: str = "",
    **settings: Any,
) -> dict[str, str]:
    """runnerly-web's settings (``RUNNERLY_WEB_*``) for a test: served (:func:`start_web`) or
    loaded in-process (``WebSettings.load(environ=...)``). Every test browser comes from
    127.0.0.1, so the per-address login limit is lifted unless ``settings`` says otherwise;
    no ``strava_url``: an address nothing answers on (nothing there links Strava)."""
    client_id, secret = tokendealer.client("RUNNERLY_WEB_CLIENT")
    strava = strava_url or f"http://127.0.0.1:{free_port()}"
    return {
        "RUNNERLY_ENV": "test",
        "RUNNERLY_WEB_SECRET_KEY": uuid.uuid4().hex,
        "RUNNERLY_WEB_DATASERVICE_URL": dataservice_url,
        "RUNNERLY_WEB_TOKEN_URL": tokendealer.token_url,
        "RUNNERLY_WEB_CLIENT_ID": client_id,
        "RUNNERLY_WEB_CLIENT_SECRET": secret,
        "RUNNERLY_WEB_STRAVA_OAUTH_URL": f"{strava}/oauth",
        "RUNNERLY_WEB_STRAVA_CLIENT_ID": SIM_CLIENT_ID,
        "RUNNERLY_WEB_STRAVA_CLIENT_SECRET": SIM_SECRET,
        "RUNNERLY_WEB_THROTTLE_DB": str(work / f"throttle-{uuid.uuid4().hex[:6]}.db"),
        "RUNNERLY_WEB_SHARED_STORE": str(work / "shared-store.db"),
        "RUNNERLY_WEB_ARCHIVE_UPLOAD_DIR": str(work / "archive-uploads"),
        "RUNNERLY_WEB_FRONTEND_DIST": str(work / "no-build"),
        "RUNNERLY_WEB_LOGIN_MAX_PER_ADDRESS": "1000000",
        "RUNNERLY_WEB_LOG_LEVEL": "WARNING",
        **prefixed("RUNNERLY_WEB_", settings),
    }


def start_web(
    work: Path,
    *,
    dataservice_url: str,
    tokendealer: Tokendealer,
    strava_url: str = "",
    workers: int = 2,
    command: Sequence[str] | None = None,
    **settings: Any,
) -> Service:
    """runnerly-web served by gunicorn (:func:`web_environ`'s settings)."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environ = web_environ(
        work,
        dataservice_url=dataservice_url,
        tokendealer=tokendealer,
        strava_url=strava_url,
        port=port,
        workers=workers,
        **settings,
    )
    env = service_env(**environ)
    host = _host(env, "RUNNERLY_WEB_")
    process = _serve("web", work, env, port, "/healthz", command, script="runnerly-web", host=host)
    return Service("web", process, env, work)


# --- strava-worker: Celery workers, beat and the webhook intake -------------------------------


def worker_environ(
    *,
    broker_url: str,
    redis_url: str,
    dataservice_url: str,
    tokendealer: Tokendealer,
    strava_url: str,
    **settings: Any,
) -> dict[str, str]:
    """strava-worker's settings (``STRAVA_WORKER_*``): its broker, its Redis (rate budget,
    locks), the services it calls, and strava-sim as Strava."""
    client_id, secret = tokendealer.client("STRAVA_WORKER_CLIENT")
    return {
        "RUNNERLY_ENV": "test",
        "STRAVA_WORKER_BROKER_URL": broker_url,
        "STRAVA_WORKER_REDIS_URL": redis_url,
        "STRAVA_WORKER_DATASERVICE_URL": dataservice_url,
        "STRAVA_WORKER_TOKEN_URL": tokendealer.token_url,
        "STRAVA_WORKER_CLIENT_ID": client_id,
        "STRAVA_WORKER_CLIENT_SECRET": secret,
        "STRAVA_WORKER_STRAVA_API_URL": f"{strava_url}/api/v3",
        "STRAVA_WORKER_STRAVA_OAUTH_URL": f"{strava_url}/oauth",
        "STRAVA_WORKER_STRAVA_CLIENT_ID": SIM_CLIENT_ID,
        "STRAVA_WORKER_STRAVA_CLIENT_SECRET": SIM_SECRET,
        **prefixed("STRAVA_WORKER_", settings),
    }


def start_celery_worker(
    work: Path,
    name: str,
    environ: Mapping[str, str],
    *,
    queues: str = "celery",
    pool: str = "solo",
    concurrency: int = 1,
    command: Sequence[str] | None = None,
    log_level: str = "INFO",
    **settings: Any,
) -> CeleryProcess:
    """A ``celery worker`` of strava-worker's app taking ``queues`` (the sync queue by
    default; ``streams`` for the streams worker), its /metrics on a port of its own (kept
    across restarts)."""
    work.mkdir(parents=True, exist_ok=True)
    settings.setdefault("metrics_port", free_port())
    env = service_env(**{**environ, **prefixed("STRAVA_WORKER_", settings)})
    args = ["worker", f"--pool={pool}", f"--concurrency={concurrency}", f"--queues={queues}"]
    args += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    args.append(f"--hostname={name}@%h")
    worker = CeleryProcess(
        name,
        args,
        env=env,
        workdir=work,
        command=command,
        log_level=log_level,
        inherit_env=False,
    )
    worker.start()
    return worker


def start_celery_beat(
    work: Path,
    environ: Mapping[str, str],
    *,
    command: Sequence[str] | None = None,
    **settings: Any,
) -> CeleryProcess:
    """strava-worker's beat, its schedule file in ``work``; ``command``: what runs instead
    of ``celery -A strava_worker.celery_app``."""
    work.mkdir(parents=True, exist_ok=True)
    settings.setdefault("metrics_port", 0)
    env = service_env(**{**environ, **prefixed("STRAVA_WORKER_", settings)})
    schedule = str(work / "beat-schedule")
    beat = CeleryProcess(
        "beat",
        ["beat", "--schedule", schedule],
        env=env,
        workdir=work,
        command=command,
        inherit_env=False,
    )
    beat.start()
    return beat


def start_webhook(
    work: Path, environ: Mapping[str, str], *, verify_token: str, **settings: Any
) -> Service:
    """``strava-webhook``, the intake of Strava's push events."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = service_env(
        **environ,
        STRAVA_WORKER_PORT=str(port),
        STRAVA_WORKER_WORKERS="1",
        STRAVA_WORKER_WEBHOOK_VERIFY_TOKEN=verify_token,
        **prefixed("STRAVA_WORKER_", settings),
    )
    process = _serve("strava-webhook", work, env, port, "/healthz", [str(BIN / "strava-webhook")])
    return Service("strava-webhook", process, env, work)


# --- the gateway ------------------------------------------------------------------------------


def start_gateway(
    work: Path,
    *,
    web: str,
    dataservice: str,
    tokendealer: str,
    webhook: str = "",
    command: Sequence[str] | None = None,
    **settings: Any,
) -> Service:
    """nginx with the gateway's Lua layer (``runnerly-gateway run``, target ``test``: its
    logs in ``work/logs``) in front of the upstreams' URLs (several separated by spaces:
    nodes of one service); no ``webhook``: an address nothing answers on. ``command``:
    what runs instead of ``runnerly-gateway run``."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    upstreams = {
        "web": web,
        "dataservice": dataservice,
        "tokendealer": tokendealer,
        "webhook": webhook or f"http://127.0.0.1:{free_port()}",
    }
    env = service_env(
        GATEWAY_ENV="test",
        GATEWAY_TARGET="test",
        GATEWAY_PREFIX=str(work),
        GATEWAY_PORT=str(port),
        GATEWAY_STATUS_PORT=str(free_port()),
        **{
            f"GATEWAY_{name.upper()}_UPSTREAM": url.replace("http://", "")
            for name, url in upstreams.items()
        },
        **prefixed("GATEWAY_", settings),
    )
    process = ServiceProcess(
        list(command or [str(BIN / "runnerly-gateway"), "run"]),
        ready_url=f"http://{_host(env, 'GATEWAY_')}:{port}/_gateway/healthz",
        log_path=work / "logs" / "nginx.out",
        env=env,
        cwd=work,
        timeout=60,
        name="gateway",
        inherit_env=False,
    )
    process.start()
    return Service("gateway", process, env, work)
