"""Build and sign an access token (a JWT in the RFC 9068 profile)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from tokendealer.keys.keyring import Signer


def issue(
    signer: Signer,
    *,
    issuer: str,
    client_id: str,
    subject: str,
    audiences: list[str],
    scopes: list[str],
    ttl: int,
    extra: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audiences[0] if len(audiences) == 1 else audiences,
        "scope": " ".join(scopes),
        "client_id": client_id,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        **(extra or {}),
    }
    token = jwt.encode(
        claims, signer.key, algorithm=signer.alg, headers={"kid": signer.kid, "typ": "at+jwt"}
    )
    return token, claims
