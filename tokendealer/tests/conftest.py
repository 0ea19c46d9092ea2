"""Fixtures: a tokendealer app on SQLite and on PostgreSQL, clients, and HTTP helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from runnerly_common.testing import IN_CI, ServiceUnavailable, temporary_postgres_database
from tokendealer.app import create_app
from tokendealer.clients import registry
from tokendealer.service import TokenDealer
from tokendealer.settings import TokenDealerSettings


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session."""
    try:
        with temporary_postgres_database("runnerly_td_test") as url:
            yield url
    except ServiceUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/tokendealer.db"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:  # leave the shared database empty for the next test
        for table in ("clients", "signing_keys"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> TokenDealerSettings:
    return TokenDealerSettings.load(
        environ={},
        env="test",
        database_url=database_url,
        keys_passphrase="test-passphrase",
        access_token_ttl=600,
        user_token_ttl=120,
    )


@pytest.fixture
def app(settings: TokenDealerSettings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True
    yield app
    app.extensions["tokendealer"].db.dispose()


@pytest.fixture
def dealer(app: Flask) -> TokenDealer:
    return app.extensions["tokendealer"]


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


class Registered:
    def __init__(self, client_id: str, secret: str) -> None:
        self.client_id = client_id
        self.secret = secret

    @property
    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def register(dealer: TokenDealer):
    def _register(
        name: str, audiences: list[str], scope: str = "", user_scope: str = ""
    ) -> Registered:
        with dealer.db.transaction() as session:
            client, secret = registry.register(
                session, name, audiences=audiences, scopes=[scope], user_scopes=[user_scope]
            )
            return Registered(client.client_id, secret)

    return _register


@pytest.fixture
def worker(register) -> Registered:
    return register("strava-worker", ["dataservice"], "runs:read runs:write strava:tokens")


@pytest.fixture
def web(register) -> Registered:
    return register(
        "runnerly-web",
        ["dataservice", "runnerly-web"],
        "users:read users:write",
        user_scope="runs:read runs:write users:read",
    )


@pytest.fixture
def via_jwks(http: FlaskClient):
    """Verify a token the way any relying party would: with the published JWKS only."""
    import jwt

    def _verify(token: str, audience: str = "dataservice") -> dict[str, Any]:
        keys = {k["kid"]: jwt.PyJWK(k) for k in http.get("/.well-known/jwks.json").json["keys"]}
        kid = jwt.get_unverified_header(token)["kid"]
        if kid not in keys:
            raise jwt.InvalidKeyError(f"kid {kid} is not published")
        key = keys[kid]
        return jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm_name],
            audience=audience,
            issuer="runnerly-tokendealer",
        )

    return _verify
