"""The three services the fuzzer talks to, each a real process on a free port, started by
the harness (:func:`runnerly_common.testing.stack.start_stack`): the tokendealer (SQLite,
the repository's config/clients.toml), the dataservice (gunicorn, on a throw-away
PostgreSQL database) and runnerly-web (gunicorn). Nothing mocked: a request takes the path
a production request takes, minus the gateway (whose own refusals the gateway's tests
cover).

Plus what the fuzzer authenticates with: the clients' credentials, a dataservice runner
with its exchanged token (every scope runnerly-web may ask for on a runner's behalf),
a service token, and logged-in web sessions with their CSRF tokens.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from runnerly_common.testing.stack import Stack

# Redis: runnerly-web's broker (account mail and exports are queued there, as in compose;
# no worker takes them) and its shared store.
PARTS = ("redis", "tokendealer", "dataservice", "web")
# The fuzzing run's tokens are fetched once and outlive the run.
OPTIONS: dict[str, dict[str, Any]] = {
    "tokendealer": {
        "access_token_ttl": 3600,
        "user_token_ttl": 3600,
        "token_max_lifetime_seconds": 3600,
    },
    "dataservice": {"token_max_lifetime_seconds": 3600},  # its cap is 1200 s by default
}
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
    """The harness's stack (:data:`PARTS`) and the fuzzer's own: the runner it acts as, the
    administrator its web session logs in as, and the tokens and sessions it sends."""

    stack: Stack
    runner_id: int = 0  # the dataservice runner the fuzzer acts as
    admin_email: str = ""  # runnerly-web's fuzzed session logs in as this administrator

    @classmethod
    def over(cls, stack: Stack) -> FuzzStack:
        """The fuzzer's runner and administrator made in ``stack``'s dataservice."""
        fuzz = cls(stack)
        fuzz.runner_id = fuzz.ensure_user(f"fuzz-runner-{uuid.uuid4().hex[:8]}@example.org")
        fuzz.admin_email = f"fuzz-admin-{uuid.uuid4().hex[:8]}@example.org"
        fuzz.ensure_user(fuzz.admin_email, admin=True)
        return fuzz

    @property
    def work(self) -> Path:
        return self.stack.work

    @property
    def urls(self) -> dict[str, str]:
        return self.stack.urls

    def client_auth(self, client: str = "RUNNERLY_WEB_CLIENT") -> tuple[str, str]:
        assert self.stack.tokendealer is not None
        return self.stack.tokendealer.client(client)

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
        assert self.stack.dataservice is not None
        return self.stack.dataservice.ensure_user(email, PASSWORD, admin=admin)

    def web_session(self, *, admin: bool = False) -> WebSession:
        """A new logged-in browser: the administrator's, or a new runner's (signed up)."""
        browser = WebSession(self.urls["web"])
        return browser.login(self.admin_email, PASSWORD) if admin else browser.sign_up()

    def errors_in_logs(self) -> dict[str, list[str]]:
        """Each service's ERROR lines and tracebacks: a clean fuzzing run leaves none."""
        return self.stack.errors_in_logs()
