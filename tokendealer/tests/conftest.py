"""Fixtures: a tokendealer app on SQLite and on PostgreSQL, clients, and HTTP helpers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from runnerly_common.testing import (
    IN_CI,
    LiveServer,
    ServiceUnavailable,
    temporary_postgres_database,
)
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
        # A test whose tokendealer refused to start created none of them.
        present = set(inspect(conn).get_table_names())
        for table in (
            "refresh_tokens",
            "authorization_codes",
            "runner_grants",
            "clients",
            "signing_keys",
        ):
            if table in present:
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


class Runners:
    """The dataservice's ``GET /api/v1/users/{id}`` as token exchange uses it, over real
    HTTP: the runners it knows, and it checks the tokendealer's own token as the
    dataservice would (signature, audience ``dataservice``, scope ``users:read``).  The
    real dataservice answers the same calls in runnerly-web's tests."""

    def __init__(self) -> None:
        self.known: dict[int, dict[str, Any]] = {}
        self.calls = 0
        self.status: int | None = None  # set to answer every call with this status
        self.dealer: TokenDealer | None = None
        self.live = LiveServer(self._wsgi())
        self.url = self.live.url

    def add(self, runner_id: int, *, disabled: bool = False, is_admin: bool = False) -> None:
        self.known[runner_id] = {"id": runner_id, "disabled": disabled, "is_admin": is_admin}

    def _wsgi(self) -> Flask:
        stand_in = Flask("dataservice-stand-in")

        @stand_in.get("/api/v1/users/<int:user_id>")
        def get_user(user_id: int) -> Any:
            self.calls += 1
            if self.status is not None:
                return {"code": "down", "message": "down"}, self.status
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            assert self.dealer is not None
            claims = self.dealer.verifier.verify(token, audience="dataservice")
            assert "users:read" in claims["scope"].split(), claims
            if user_id not in self.known:
                return {"code": "not_found", "message": f"runner {user_id}"}, 404
            return self.known[user_id]

        return stand_in


@pytest.fixture
def runners() -> Iterator[Runners]:
    directory = Runners()
    directory.add(42)
    yield directory
    directory.live.stop()


@pytest.fixture
def settings(database_url: str, runners: Runners) -> TokenDealerSettings:
    return TokenDealerSettings.load(
        environ={},
        env="test",
        database_url=database_url,
        keys_passphrase="test-passphrase",
        access_token_ttl=600,
        user_token_ttl=120,
        dataservice_url=runners.url,
        runner_cache_seconds=0,
    )


@pytest.fixture
def app(settings: TokenDealerSettings, runners: Runners) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["OPENAPI_VALIDATE_RESPONSES"] = True
    runners.dealer = app.extensions["tokendealer"]
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
