"""`python -m tokendealer.provision`: a deployment's clients, with the secrets its .env holds,
as the token endpoint sees them."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tokendealer.clients import registry
from tokendealer.provision import ProvisionError, provision_clients
from tokendealer.service import TokenDealer

REPO_CLIENTS = Path(__file__).resolve().parents[2] / "config" / "clients.toml"
CLIENTS = """
[clients.strava-worker]
env_prefix = "STRAVA_WORKER_CLIENT"
audiences = ["dataservice"]
scope = "runs:read runs:write"

[clients.runnerly-web]
env_prefix = "RUNNERLY_WEB_CLIENT"
audiences = ["dataservice"]
scope = "users:read"
user_scope = "runs:read"
"""


@pytest.fixture
def clients_file(tmp_path: Path) -> Path:
    path = tmp_path / "clients.toml"
    path.write_text(CLIENTS, encoding="utf-8")
    return path


@pytest.fixture
def environ() -> dict[str, str]:
    return {
        "STRAVA_WORKER_CLIENT_SECRET": secrets.token_hex(32),
        "RUNNERLY_WEB_CLIENT_SECRET": secrets.token_hex(32),
    }


def _token(http: FlaskClient, client_id: str, secret: str) -> tuple[int, dict]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    return response.status_code, response.json


class TestProvisionClients:
    def test_the_clients_get_tokens_with_the_secrets_from_the_environment(
        self, dealer: TokenDealer, http: FlaskClient, clients_file: Path, environ: dict
    ) -> None:
        outcome = provision_clients(dealer, clients_file, environ)
        assert outcome == {"strava-worker": "created", "runnerly-web": "created"}
        status, body = _token(http, "strava-worker", environ["STRAVA_WORKER_CLIENT_SECRET"])
        assert status == 200
        assert body["scope"] == "runs:read runs:write"
        status, _ = _token(http, "runnerly-web", environ["RUNNERLY_WEB_CLIENT_SECRET"])
        assert status == 200

    def test_running_it_again_changes_nothing(
        self, dealer: TokenDealer, http: FlaskClient, clients_file: Path, environ: dict
    ) -> None:
        provision_clients(dealer, clients_file, environ)
        outcome = provision_clients(dealer, clients_file, environ)
        assert outcome == {"strava-worker": "unchanged", "runnerly-web": "unchanged"}
        assert _token(http, "strava-worker", environ["STRAVA_WORKER_CLIENT_SECRET"])[0] == 200

    def test_a_new_secret_in_the_environment_replaces_the_old_one(
        self, dealer: TokenDealer, http: FlaskClient, clients_file: Path, environ: dict
    ) -> None:
        provision_clients(dealer, clients_file, environ)
        old = environ["STRAVA_WORKER_CLIENT_SECRET"]
        rotated = {**environ, "STRAVA_WORKER_CLIENT_SECRET": secrets.token_hex(32)}
        outcome = provision_clients(dealer, clients_file, rotated)
        assert outcome["strava-worker"] == "updated"
        assert outcome["runnerly-web"] == "unchanged"
        assert _token(http, "strava-worker", old)[0] == 401
        assert _token(http, "strava-worker", rotated["STRAVA_WORKER_CLIENT_SECRET"])[0] == 200

    def test_scopes_changed_in_the_file_reach_an_existing_client(
        self, dealer: TokenDealer, http: FlaskClient, clients_file: Path, environ: dict
    ) -> None:
        provision_clients(dealer, clients_file, environ)
        clients_file.write_text(
            CLIENTS.replace('scope = "runs:read runs:write"', 'scope = "runs:read"'),
            encoding="utf-8",
        )
        assert provision_clients(dealer, clients_file, environ)["strava-worker"] == "updated"
        status, body = _token(http, "strava-worker", environ["STRAVA_WORKER_CLIENT_SECRET"])
        assert (status, body["scope"]) == (200, "runs:read")

    def test_a_disabled_client_is_enabled_again(
        self, dealer: TokenDealer, http: FlaskClient, clients_file: Path, environ: dict
    ) -> None:
        provision_clients(dealer, clients_file, environ)
        with dealer.db.transaction() as session:
            registry.find(session, "strava-worker").disabled = True
        assert provision_clients(dealer, clients_file, environ)["strava-worker"] == "updated"
        assert _token(http, "strava-worker", environ["STRAVA_WORKER_CLIENT_SECRET"])[0] == 200

    @pytest.mark.parametrize(
        ("secret", "message"),
        [
            ("", "STRAVA_WORKER_CLIENT_SECRET is required"),
            ("short-secret", "STRAVA_WORKER_CLIENT_SECRET must be 32 or more"),
            ("x" * 31 + " y", "STRAVA_WORKER_CLIENT_SECRET must be 32 or more"),
        ],
    )
    def test_a_missing_or_weak_secret_is_refused_by_name_and_nothing_is_written(
        self,
        dealer: TokenDealer,
        clients_file: Path,
        environ: dict,
        secret: str,
        message: str,
    ) -> None:
        with pytest.raises(ProvisionError, match=message):
            provision_clients(
                dealer, clients_file, {**environ, "STRAVA_WORKER_CLIENT_SECRET": secret}
            )
        with dealer.db.transaction() as session:
            assert registry.all_clients(session) == []

    def test_a_secret_may_come_from_a_file(
        self,
        dealer: TokenDealer,
        http: FlaskClient,
        clients_file: Path,
        environ: dict,
        tmp_path: Path,
    ) -> None:
        secret_file = tmp_path / "worker-secret"
        secret_file.write_text(environ.pop("STRAVA_WORKER_CLIENT_SECRET") + "\n", encoding="utf-8")
        environ["STRAVA_WORKER_CLIENT_SECRET_FILE"] = str(secret_file)
        provision_clients(dealer, clients_file, environ)
        secret = secret_file.read_text(encoding="utf-8").strip()
        assert _token(http, "strava-worker", secret)[0] == 200


def test_the_module_provisions_the_suites_own_clients_in_a_fresh_database(
    database_url: str, environ: dict
) -> None:
    """What the compose file's tokendealer-setup service runs, on config/clients.toml."""
    env = {
        **os.environ,
        **environ,
        "TOKENDEALER_DATABASE_URL": database_url,
        "TOKENDEALER_KEYS_PASSPHRASE": secrets.token_urlsafe(16),
        "RUNNERLY_ENV": "production",
    }
    command = [sys.executable, "-m", "tokendealer.provision", "--clients", str(REPO_CLIENTS)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "clients": {"strava-worker": "created", "runnerly-web": "created"}
    }
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout)["clients"]["runnerly-web"] == "unchanged"
    missing = subprocess.run(
        command,
        env={**env, "RUNNERLY_WEB_CLIENT_SECRET": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1
    assert "RUNNERLY_WEB_CLIENT_SECRET is required" in missing.stderr
