"""The tokendealer's JWKS cannot be fetched: a valid token whose key the dataservice has not
seen yet is answered 503 ``keys_unavailable`` (the server's trouble, seen by the error-ratio
alert), while a key the JWKS does not publish stays a 401."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runnerly_common.testing import JWKSServer, LiveServer, SigningKey, new_key, sign_token


@pytest.fixture
def tokendealer(signing_key: SigningKey) -> Iterator[JWKSServer]:
    jwks = JWKSServer([signing_key])
    jwks.live = LiveServer(jwks)
    yield jwks
    jwks.live.stop()


@pytest.fixture
def jwks_url(tokendealer: JWKSServer) -> str:
    """This module's own JWKS server (the session's one must stay healthy)."""
    return tokendealer.url


def _bearer(key: SigningKey, runner: int) -> dict[str, str]:
    token = sign_token(
        key,
        audience="dataservice",
        subject=str(runner),
        scope="runs:read",
        client_id="runnerly-web",
        act={"sub": "runnerly-web"},
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("status", [500, 503])
def test_a_valid_token_is_answered_503_while_the_jwks_cannot_be_fetched(
    client, tokendealer, signing_key, runner, status
) -> None:
    tokendealer.status = status

    response = client.get(f"/api/v1/users/{runner}/runs", headers=_bearer(signing_key, runner))

    assert response.status_code == 503
    assert response.json["code"] == "keys_unavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert tokendealer.fetches >= 1


def test_a_key_the_jwks_does_not_publish_stays_401(client, tokendealer, runner) -> None:
    stranger = new_key("ES256", "not-published")

    response = client.get(f"/api/v1/users/{runner}/runs", headers=_bearer(stranger, runner))

    assert response.status_code == 401
    assert "unknown key id" in response.json["message"]
