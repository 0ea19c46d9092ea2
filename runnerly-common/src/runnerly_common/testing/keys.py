"""Signing keys, a JWKS server and tokens as the tokendealer issues them."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from werkzeug.wrappers import Response

from runnerly_common.testing.servers import LiveServer

ISSUER = "runnerly-tokendealer"


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
        pem: bytes = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem


def new_key(alg: str, kid: str | None = None) -> SigningKey:
    if alg == "ES256":
        private: Any = ec.generate_private_key(ec.SECP256R1())
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", alg, private)


class JWKSServer:
    """The tokendealer's ``/.well-known/jwks.json``; counts how often it is fetched."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = list(keys)
        self.extra_entries: list[dict[str, Any]] = []  # raw JWKS entries, e.g. broken ones
        self.status = 200  # set to 503 to play a tokendealer in trouble
        self.fetches = 0  # every request, answered or not
        self.cache_control: str | None = None  # e.g. "public, max-age=60", as the tokendealer
        self.not_modified = 0  # requests answered 304 (their If-None-Match was current)
        self.delay = 0.0  # seconds before each answer: a slow tokendealer
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
        if self.delay:
            time.sleep(self.delay)
        response = Response(
            response=json.dumps(document), status=self.status, mimetype="application/json"
        )
        if self.cache_control:
            response.headers["Cache-Control"] = self.cache_control
        if self.status == 200:  # conditional, as the tokendealer's JWKS is
            response.add_etag()
            response.make_conditional(environ)
            if response.status_code == 304:
                with self._lock:
                    self.not_modified += 1
        return response(environ, start_response)


def sign_token(
    key: SigningKey,
    *,
    audience: str,
    subject: str,
    scope: str,
    ttl: int = 300,
    issuer: str = ISSUER,
    **extra: Any,
) -> str:
    """A token as the tokendealer would issue it (``act={"sub": ...}`` makes it a runner's)."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **extra,
    }
    return jwt.encode(claims, key.private, algorithm=key.alg, headers={"kid": key.kid})
