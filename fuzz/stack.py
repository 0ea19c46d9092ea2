"""The three services the fuzzer talks to, each a real process on a free port: the
tokendealer (SQLite, the suite's config/clients.toml), the dataservice (gunicorn, on a
throw-away PostgreSQL database) and runnerly-web (gunicorn). Nothing mocked: a request
takes the path a production request takes, minus the gateway (whose own refusals the
gateway's tests cover).

Plus what the fuzzer authenticates with: the clients' credentials, a dataservice runner
with its exchanged token (every scope runnerly-web may ask for on a runner's behalf),
a service token, and logged-in web sessions with their CSRF tokens.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from runnerly_common.testing import ServiceProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# What runnerly-web may ask for on a runner's behalf (config/clients.toml's user_scope),
# less `admin`, which only an administrator's token carries: the fuzzed runner is not one
# (an administrator's token could disable itself halfway through).
RUNNER_SCOPE = "users:read users:write runs:read runs:write strava:tokens reports:read"
# runnerly-web's service-level scope: the operations no runner token reaches (listing
# users, creating them, checking a password, listing Strava links).
SERVICE_SCOPE = "users:read users:write strava:tokens"
PASSWORD = "plum violin 42 harbour"  # strong enough for the web app's sign-up rules
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
RUNNER_ID_TYPE = "urn:runnerly:params:oauth:token-type:runner-id"


def service_env(**env: str) -> dict[str, str]:
    """A service's environment: ours, less any service's settings, plus ``env``."""
    prefixes = ("TOKENDEALER_", "DATASERVICE_", "STRAVA_", "RUNNERLY_", "GATEWAY_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**base, "RUNNERLY_ENV": "test", "PYTHONUNBUFFERED": "1", **env}


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.startswith("#")}


class WebSession(requests.Session):
    """A browser on runnerly-web's JSON API: the session cookie, and the CSRF token read
    from ``GET /api/web/session`` sent back on every request (as the dashboard does)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.refresh()

    def refresh(self) -> None:
        answer = self.get(f"{self.base}/api/web/session", timeout=10)
        answer.raise_for_status()
        self.headers["X-CSRF-Token"] = answer.json()["csrf_token"]

    def login(self, email: str, password: str) -> WebSession:
        answer = self.post(
            f"{self.base}/api/web/login", json={"email": email, "password": password}, timeout=30
        )
        if answer.status_code != 200:
            raise RuntimeError(f"login of {email}: {answer.status_code} {answer.text[:300]}")
        self.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return self

    def sign_up(self) -> WebSession:
        body = {"email": f"fuzz-{uuid.uuid4().hex[:10]}@example.org", "password": PASSWORD}
        answer = self.post(f"{self.base}/api/web/signup", json=body, timeout=30)
        if answer.status_code != 201:
            raise RuntimeError(f"sign-up: {answer.status_code} {answer.text[:300]}")
        self.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return self


@dataclass
class FuzzStack:
    work: Path
    urls: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    dataservice_env: dict[str, str] = field(default_factory=dict)
    runner_id: int = 0  # the dataservice runner the fuzzer acts as
    admin_email: str = ""  # runnerly-web's fuzzed session logs in as this administrator

    def client_auth(self, client: str = "RUNNERLY_WEB_CLIENT") -> tuple[str, str]:
        return self.credentials[f"{client}_ID"], self.credentials[f"{client}_SECRET"]

    def token(self, **form: str) -> str:
        """An access token from the tokendealer's token endpoint, as runnerly-web gets one."""
        answer = requests.post(
            f"{self.urls['tokendealer']}/oauth/token",
            auth=self.client_auth(),
            data={"audience": "dataservice", **form},
            timeout=10,
        )
        if answer.status_code != 200:
            raise RuntimeError(f"token: {answer.status_code} {answer.text[:300]}")
        return str(answer.json()["access_token"])

    def runner_token(self, runner_id: int | None = None) -> str:
        return self.token(
            grant_type=TOKEN_EXCHANGE,
            subject_token=str(runner_id or self.runner_id),
            subject_token_type=RUNNER_ID_TYPE,
            scope=RUNNER_SCOPE,
        )

    def service_token(self) -> str:
        return self.token(grant_type="client_credentials", scope=SERVICE_SCOPE)

    def ensure_user(self, email: str, *, admin: bool = False) -> int:
        """A runner created with the dataservice's CLI, as an operator does; its id."""
        command = [str(BIN / "dataservice"), "ensure-user", email, "--password-env", "PW"]
        out = subprocess.run(
            [*command, *(["--admin"] if admin else [])],
            env={**self.dataservice_env, "PW": PASSWORD},
            cwd=self.work / "dataservice",
            check=True,
            capture_output=True,
            text=True,
        )
        return int(json.loads(out.stdout.strip().splitlines()[-1])["id"])

    def web_session(self, *, admin: bool = False) -> WebSession:
        """A new logged-in browser: the administrator's, or a new runner's (signed up)."""
        browser = WebSession(self.urls["web"])
        return browser.login(self.admin_email, PASSWORD) if admin else browser.sign_up()

    def errors_in_logs(self) -> dict[str, list[str]]:
        """Each service's ERROR lines and tracebacks: a clean fuzzing run leaves none."""
        found = {name: service.errors_in_log() for name, service in self.services.items()}
        return {name: lines for name, lines in found.items() if lines}


def _serve(stack: FuzzStack, name: str, binary: str, env: dict[str, str], ready: str) -> None:
    work = stack.work / name
    server = ServiceProcess(
        [str(BIN / binary), "serve"],
        ready_url=ready,
        log_path=work / f"{name}.log",
        env=env,
        cwd=work,
    )
    server.start()
    stack.services[name] = server


def start_tokendealer(stack: FuzzStack) -> None:
    work = stack.work / "tokendealer"
    work.mkdir()
    port = free_port()
    env = service_env(
        # Token exchange asks the dataservice about the runner: its port is chosen now.
        TOKENDEALER_DATASERVICE_URL=stack.urls["dataservice"],
        TOKENDEALER_PORT=str(port),
        TOKENDEALER_WORKERS="2",
        TOKENDEALER_DATABASE_URL=f"sqlite:///{work}/td.db",
        TOKENDEALER_LOG_LEVEL="WARNING",
        # The fuzzing run's tokens are fetched once and outlive the run.
        **{"TOKENDEALER_ACCESS_TOKEN_TTL": "3600", "TOKENDEALER_USER_TOKEN_TTL": "3600"},
    )
    clients = str(ROOT / "config" / "clients.toml")
    subprocess.run(
        [str(BIN / "tokendealer"), "bootstrap", "--clients", clients, "--env-file", "c.env"],
        env=env,
        check=True,
        cwd=work,
        capture_output=True,
    )
    stack.credentials.update(_env_file(work / "c.env"))
    url = f"http://127.0.0.1:{port}"
    _serve(stack, "tokendealer", "tokendealer", env, f"{url}/readyz")
    stack.urls["tokendealer"] = url


def start_dataservice(stack: FuzzStack, database_url: str) -> None:
    work = stack.work / "dataservice"
    work.mkdir()
    port = int(stack.urls["dataservice"].rpartition(":")[2])
    env = service_env(
        DATASERVICE_DATABASE_URL=database_url,
        DATASERVICE_JWKS_URL=f"{stack.urls['tokendealer']}/.well-known/jwks.json",
        DATASERVICE_STRAVA_TOKEN_KEYS=Fernet.generate_key().decode(),
        DATASERVICE_PORT=str(port),
        DATASERVICE_WORKERS="2",
        DATASERVICE_LOG_LEVEL="WARNING",
    )
    migrate = [str(BIN / "dataservice"), "migrate"]
    subprocess.run(migrate, env=env, check=True, cwd=work, capture_output=True)
    stack.dataservice_env = env
    _serve(stack, "dataservice", "dataservice", env, f"{stack.urls['dataservice']}/readyz")


def start_web(stack: FuzzStack) -> None:
    work = stack.work / "web"
    work.mkdir()
    port = free_port()
    env = service_env(
        RUNNERLY_WEB_PORT=str(port),
        RUNNERLY_WEB_WORKERS="2",
        RUNNERLY_WEB_SECRET_KEY=uuid.uuid4().hex,
        RUNNERLY_WEB_DATASERVICE_URL=stack.urls["dataservice"],
        RUNNERLY_WEB_TOKEN_URL=f"{stack.urls['tokendealer']}/oauth/token",
        RUNNERLY_WEB_CLIENT_ID=stack.credentials["RUNNERLY_WEB_CLIENT_ID"],
        RUNNERLY_WEB_CLIENT_SECRET=stack.credentials["RUNNERLY_WEB_CLIENT_SECRET"],
        # No Strava here: the fuzzed runners are never linked, so nothing calls it.
        RUNNERLY_WEB_STRAVA_OAUTH_URL=f"http://127.0.0.1:{free_port()}/oauth",
        RUNNERLY_WEB_STRAVA_CLIENT_SECRET="fuzz-strava-secret",  # noqa: S106 - a placeholder
        RUNNERLY_WEB_THROTTLE_DB=str(work / "throttle.db"),
        RUNNERLY_WEB_FRONTEND_DIST=str(work / "no-build"),
        # Every fuzzed request comes from 127.0.0.1: the per-address login limit would
        # otherwise turn most of the login and sign-up cases into 429s.
        RUNNERLY_WEB_LOGIN_MAX_PER_ADDRESS="1000000",
        RUNNERLY_WEB_LOG_LEVEL="WARNING",
    )
    url = f"http://127.0.0.1:{port}"
    _serve(stack, "web", "runnerly-web", env, f"{url}/healthz")
    stack.urls["web"] = url


@contextlib.contextmanager
def start_stack(work: Path, database_url: str) -> Iterator[FuzzStack]:
    """Start the three services (dependencies first) and the fuzzer's runners; yield the
    :class:`FuzzStack`; stop everything."""
    stack = FuzzStack(work=work)
    stack.urls["dataservice"] = f"http://127.0.0.1:{free_port()}"
    try:
        start_tokendealer(stack)
        start_dataservice(stack, database_url)
        start_web(stack)
        stack.runner_id = stack.ensure_user(f"fuzz-runner-{uuid.uuid4().hex[:8]}@example.org")
        stack.admin_email = f"fuzz-admin-{uuid.uuid4().hex[:8]}@example.org"
        stack.ensure_user(stack.admin_email, admin=True)
        yield stack
    finally:
        for service in reversed(list(stack.services.values())):
            with contextlib.suppress(Exception):
                service.stop()
