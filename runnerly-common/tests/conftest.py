"""Shared fixtures: real local HTTP servers, signing keys, a token factory, the JWKS server.

Everything the toolkit talks to over HTTP (the JWKS, a token endpoint, a downstream
service) is a real WSGI app served by werkzeug on a free loopback port in a thread.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

ISSUER = "runnerly-tokendealer"
SERVICE = "itemservice"  # the audience of tokens issued by ``issue``


# --- real HTTP servers ---------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args: Any) -> None:  # keep the test output for the test's own logs
        pass


class LiveServer:
    """A WSGI app served on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, wsgi_app: Callable[..., Any]) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)


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


@dataclasses.dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key(alg: str, kid: str | None = None) -> SigningKey:
    if alg == "ES256":
        private: Any = ec.generate_private_key(ec.SECP256R1())
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", alg, private)


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


class JWKSServer:
    """The tokendealer's ``/.well-known/jwks.json``; counts how often it is fetched."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = list(keys)
        self.extra_entries: list[dict[str, Any]] = []  # raw JWKS entries, e.g. broken ones
        self.status = 200  # set to 503 to play a tokendealer in trouble
        self.fetches = 0  # every request, answered or not
        self._lock = threading.Lock()
        self.live: LiveServer | None = None

    @property
    def url(self) -> str:
        assert self.live is not None
        return f"{self.live.url}/.well-known/jwks.json"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.fetches += 1
            document = {"keys": [key.jwk for key in self.keys] + self.extra_entries}
        response = Response(
            response=json.dumps(document), status=self.status, mimetype="application/json"
        )
        return response(environ, start_response)


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
