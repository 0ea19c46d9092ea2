"""Shared fixtures: real local HTTP servers, signing keys, a token factory, the JWKS server.

Everything the toolkit talks to over HTTP (the JWKS, a token endpoint, a downstream
service) is a real WSGI app served by werkzeug on a free loopback port in a thread.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
import redis

from runnerly_common.testing import IN_CI, JWKSServer, LiveServer, SigningKey, new_key

ISSUER = "runnerly-tokendealer"
SERVICE = "itemservice"  # the audience of tokens issued by ``issue``


# --- real HTTP servers ---------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[..., Any]], LiveServer]]:
    """Start any WSGI app on a free port; every server is stopped after the test."""
    servers: list[LiveServer] = []

    def start(wsgi_app: Callable[..., Any]) -> LiveServer:
        servers.append(LiveServer(wsgi_app))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# --- keys and tokens -----------------------------------------------------------------


@pytest.fixture(scope="session")
def make_key() -> Callable[..., SigningKey]:
    """A fresh key: ``make_key("RS256")``, e.g. one the tokendealer rotates in."""
    return new_key


@pytest.fixture(scope="session")
def es_key() -> SigningKey:
    return new_key("ES256", "es-2025")


@pytest.fixture(scope="session")
def rs_key() -> SigningKey:
    return new_key("RS256", "rs-2025")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    """An ES256 key nobody published: what a forger holds."""
    return new_key("ES256", "attacker")


@pytest.fixture
def issuer() -> str:
    """The ``iss`` of the tokens ``issue`` signs."""
    return ISSUER


@pytest.fixture
def audience() -> str:
    """The ``aud`` of the tokens ``issue`` signs: the test service's name."""
    return SERVICE


def claims_for(**overrides: Any) -> dict[str, Any]:
    """Claims of a good token for the test service; ``name=None`` drops a claim."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": SERVICE,
        "sub": "runner-1",
        "scope": "runs:read",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def issue(es_key: SigningKey) -> Callable[..., str]:
    """Sign a token: ``issue(scope="runs:write", key=rs_key, kid="other", exp=...)``."""

    def sign(key: SigningKey | None = None, kid: str | None = None, **claims: Any) -> str:
        key = key or es_key
        return jwt.encode(
            claims_for(**claims), key.private, algorithm=key.alg, headers={"kid": kid or key.kid}
        )

    return sign


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    """Request headers carrying ``token`` the way clients send it."""
    return lambda token: {"Authorization": f"Bearer {token}"}


# --- the JWKS server -----------------------------------------------------------------


@pytest.fixture
def jwks_server(
    serve: Callable[..., LiveServer], es_key: SigningKey, rs_key: SigningKey
) -> JWKSServer:
    server = JWKSServer([es_key, rs_key])
    server.live = serve(server)
    return server


# --- time ------------------------------------------------------------------------------


class ManualClock:
    """A monotonic clock the test moves by hand (the toolkit takes ``clock=``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


# --- Redis ---------------------------------------------------------------------------

REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis (the probes' and the Celery tests' broker): skipped without one on a
    laptop, a failure in CI."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL
