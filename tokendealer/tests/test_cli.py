"""The acceptance path through real processes: `tokendealer serve`, `add-client`,
`rotate-keys`, a client getting a token, and PyJWT's PyJWKClient verifying it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests

from runnerly_common.testing import ServiceProcess, free_port

TOKENDEALER = shutil.which("tokendealer") or str(Path(sys.executable).with_name("tokendealer"))


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {
        "TOKENDEALER_DATABASE_URL": database_url,
        "TOKENDEALER_KEYS_PASSPHRASE": secrets.token_urlsafe(16),
        "TOKENDEALER_WORKERS": "2",
        "TOKENDEALER_PORT": str(free_port()),
        "RUNNERLY_ENV": "development",
    }


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TOKENDEALER, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def _serve_until_it_exits(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``tokendealer serve`` expected to refuse: a server that starts instead times out."""
    return subprocess.run(
        [TOKENDEALER, "serve"],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path):
    base = f"http://127.0.0.1:{env['TOKENDEALER_PORT']}"
    with ServiceProcess(
        [TOKENDEALER, "serve"],
        ready_url=f"{base}/readyz",
        log_path=tmp_path / "tokendealer.log",
        env=env,
        cwd=tmp_path,
    ):
        yield base


def _token(base: str, client: dict[str, str]) -> str:
    response = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class TestCommandLine:
    def test_a_client_added_while_serving_gets_a_token_pyjwkclient_verifies(self, env, server):
        result = _cli(
            env,
            "add-client",
            "reporter",
            "--audience",
            "dataservice",
            "--scope",
            "runs:read reports:read",
        )
        assert result.returncode == 0, result.stderr
        client = json.loads(result.stdout)
        assert client["client_id"] == "reporter" and len(client["client_secret"]) >= 32

        token = _token(server, client)
        jwks = jwt.PyJWKClient(f"{server}/.well-known/jwks.json")
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm_name],
            audience="dataservice",
            issuer="runnerly-tokendealer",
        )
        assert claims["sub"] == "reporter"
        assert claims["scope"] == "reports:read runs:read"

    def test_after_rotate_keys_old_tokens_verify_and_new_ones_carry_the_new_kid(self, env, server):
        client = json.loads(
            _cli(
                env, "add-client", "worker", "--audience", "dataservice", "--scope", "runs:write"
            ).stdout
        )
        old = _token(server, client)
        result = _cli(env, "rotate-keys")
        assert result.returncode == 0, result.stderr
        rotation = json.loads(result.stdout)
        new = _token(server, client)
        assert jwt.get_unverified_header(new)["kid"] == rotation["current"]
        assert jwt.get_unverified_header(old)["kid"] in rotation["retired"]
        jwks = jwt.PyJWKClient(f"{server}/.well-known/jwks.json", cache_keys=False)
        for token in (old, new):
            key = jwks.get_signing_key_from_jwt(token)
            assert (
                jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience="dataservice")[
                    "sub"
                ]
                == "worker"
            )

    def test_add_client_refuses_a_duplicate_name(self, env):
        assert _cli(env, "add-client", "twice", "--audience", "dataservice").returncode == 0
        again = _cli(env, "add-client", "twice", "--audience", "dataservice")
        assert again.returncode != 0
        assert "already exists" in again.stderr

    def test_a_removed_client_is_refused_at_once(self, env, server):
        client = json.loads(_cli(env, "add-client", "gone", "--audience", "dataservice").stdout)
        _token(server, client)
        assert _cli(env, "remove-client", "gone").returncode == 0
        response = requests.post(
            f"{server}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
            timeout=5,
        )
        assert response.status_code == 401

    def test_production_without_a_keys_passphrase_refuses_to_start(self, env, tmp_path):
        env = {**env, "RUNNERLY_ENV": "production", "TOKENDEALER_KEYS_PASSPHRASE": ""}
        result = _serve_until_it_exits(env, tmp_path)
        assert result.returncode != 0
        assert "TOKENDEALER_KEYS_PASSPHRASE" in result.stderr

    def test_tokens_longer_than_verifiers_accept_refuse_to_start(self, env, tmp_path):
        # Every service would answer every token with 401: say so at start instead.
        env = {**env, "TOKENDEALER_ACCESS_TOKEN_TTL": "3600"}
        result = _serve_until_it_exits(env, tmp_path)
        assert result.returncode != 0
        assert "TOKENDEALER_ACCESS_TOKEN_TTL" in result.stderr
        assert "RUNNERLY_TOKEN_MAX_LIFETIME_SECONDS" in result.stderr


class TestWrongKeysPassphrase:
    """Keys encrypted with one passphrase and a deployment started with another: nothing
    can be signed, so the setup step and ``serve`` fail by name instead of a healthy-looking
    service that answers every token request with a 500."""

    @pytest.fixture
    def wrong(self, env: dict[str, str]) -> dict[str, str]:
        assert _cli(env, "list-clients").returncode == 0  # keys made with the right passphrase
        return {**env, "TOKENDEALER_KEYS_PASSPHRASE": secrets.token_urlsafe(16)}

    def test_the_setup_step_exits_non_zero_naming_the_passphrase(self, wrong, tmp_path):
        clients = tmp_path / "clients.toml"
        clients.write_text(
            '[clients.reporter]\nenv_prefix = "REPORTER_CLIENT"\naudiences = ["dataservice"]\n',
            encoding="utf-8",
        )
        result = subprocess.run(
            [sys.executable, "-m", "tokendealer.provision", "--clients", str(clients)],
            env={**os.environ, **wrong, "REPORTER_CLIENT_SECRET": secrets.token_hex(32)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0, result.stdout
        assert "TOKENDEALER_KEYS_PASSPHRASE" in result.stderr
        assert "Traceback" not in result.stderr

    def test_the_cli_refuses_to_work_with_keys_it_cannot_decrypt(self, wrong):
        result = _cli(wrong, "rotate-keys")
        assert result.returncode != 0
        assert "TOKENDEALER_KEYS_PASSPHRASE" in result.stderr

    def test_serve_refuses_to_start_rather_than_answer_healthz(self, wrong, tmp_path):
        result = _serve_until_it_exits(wrong, tmp_path)
        assert result.returncode != 0
        assert "TOKENDEALER_KEYS_PASSPHRASE" in result.stderr
        assert "Traceback" not in result.stderr
