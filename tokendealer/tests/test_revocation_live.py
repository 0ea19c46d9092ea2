"""Revoke now, end to end with real processes: a token the dataservice accepts is refused
(401, naming the withdrawn key) once ``tokendealer keys revoke`` has run, within the JWKS
max-age the tokendealer serves (60 s in production, 3 s here)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from runnerly_common.testing import skip_or_fail
from runnerly_common.testing.services import (
    Dataservice,
    Tokendealer,
    start_dataservice,
    start_tokendealer,
)

MAX_AGE = 3  # TOKENDEALER_JWKS_MAX_AGE for this test


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Tokendealer, Dataservice]]:
    try:
        import dataservice  # noqa: F401  (the tox env installs it for this test)
    except ImportError:
        skip_or_fail("the dataservice is not installed")
    dealer = start_tokendealer(tmp_path / "td", jwks_max_age=str(MAX_AGE))
    try:
        data = start_dataservice(
            tmp_path / "ds",
            database_url=f"sqlite:///{tmp_path}/ds.db",
            jwks_url=dealer.jwks_url,
            # The service's own ceiling stays the production default: the tokendealer's
            # max-age is what shortens it.
            jwks_cache_seconds="300",
            jwks_min_refetch_seconds="1",
        )
        try:
            yield dealer, data
        finally:
            data.process.stop()
    finally:
        dealer.process.stop()


def _token(dealer: Tokendealer) -> str:
    client_id, secret = dealer.client("STRAVA_WORKER_CLIENT")
    response = requests.post(
        dealer.token_url,
        auth=(client_id, secret),
        data={"grant_type": "client_credentials", "audience": "dataservice", "scope": "users:read"},
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def _get_runner(data: Dataservice, runner_id: int, token: str) -> requests.Response:
    return requests.get(
        f"{data.api}/users/{runner_id}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_a_revoked_keys_token_is_refused_within_the_max_age(
    stack: tuple[Tokendealer, Dataservice],
) -> None:
    dealer, data = stack
    runner_id = data.ensure_user("ada@example.org")
    token = _token(dealer)
    kid = jwt.get_unverified_header(token)["kid"]
    for _ in range(4):  # every worker of the dataservice has the key cached
        assert _get_runner(data, runner_id, token).status_code == 200

    ring = json.loads(dealer.cli("keys", "revoke", kid, "--rotate", "--by", "test"))
    revoked_at = time.monotonic()
    assert ring["revoked_now"] == kid
    assert kid not in {k["kid"] for k in requests.get(dealer.jwks_url, timeout=10).json()["keys"]}

    refused = None
    while time.monotonic() - revoked_at < MAX_AGE + 10:
        answer = _get_runner(data, runner_id, token)
        if answer.status_code == 401:
            refused = time.monotonic() - revoked_at
            break
        assert answer.status_code == 200
        time.sleep(0.2)
    assert refused is not None, "still accepted long after the max-age"
    # A request reaching each worker once the max-age has passed finds it refused.
    time.sleep(max(0.0, MAX_AGE + 1 - refused))
    for _ in range(6):
        answer = _get_runner(data, runner_id, token)
        assert answer.status_code == 401
        # "withdrawn" from a worker that had the key; one that never fetched the JWKS
        # before the revocation cannot tell it from a kid never published.
        message = answer.json()["message"]
        assert "withdrawn (revoked or retired)" in message or "unknown key id" in message
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    # The key that signs now was published before: new tokens pass at once.
    assert _get_runner(data, runner_id, _token(dealer)).status_code == 200
