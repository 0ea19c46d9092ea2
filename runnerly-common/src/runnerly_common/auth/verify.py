"""Verify a bearer JWT: allowed algorithm, known ``kid``, signature, ``iss``, ``aud``, times,
and a lifetime (``exp - iat``) no longer than the service accepts."""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Iterable
from typing import Any

import jwt
from jwt.utils import base64url_decode

from runnerly_common.auth.jwks import KeySource, withdrawn

REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
# Asymmetric algorithms only: a symmetric one would let anyone holding the public key sign.
ASYMMETRIC = {
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
}
# What an algorithm name looks like: only such a value is quoted back in the error, so that
# nothing the sender chose (quotes, control characters, megabytes) reaches the
# WWW-Authenticate header.
_ALG_NAME = re.compile(r"[A-Za-z0-9_+-]{1,32}")


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why (safe to show the client)."""


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str | None,
        algorithms: Iterable[str] = ("ES256", "RS256", "EdDSA"),
        leeway: float = 30,
        max_lifetime: float | None = None,
    ) -> None:
        """``max_lifetime``: the longest ``exp - iat`` accepted (seconds; None: any).  A
        token minted for days with a stolen key, or by a misconfigured issuer, is refused
        however valid its signature."""
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.algorithms = frozenset(algorithms)
        unsafe = self.algorithms - ASYMMETRIC
        if unsafe:
            raise ValueError(f"not asymmetric, refused: {', '.join(sorted(unsafe))}")
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self._jwt = jwt.PyJWT()

    def verify(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """The token's claims, or :class:`InvalidToken` naming the problem;
        :class:`~runnerly_common.auth.jwks.KeysUnavailable` passes through when its key
        cannot be looked up (the JWKS fetch failed)."""
        header = _header(token)
        alg = header.get("alg")
        # The header is the sender's JSON: alg may be a list or an object (unhashable).
        if not isinstance(alg, str) or alg not in self.algorithms:
            if isinstance(alg, str) and _ALG_NAME.fullmatch(alg):
                raise InvalidToken(f"algorithm {alg!r} is not allowed")
            raise InvalidToken("algorithm is not allowed (alg must name an allowed algorithm)")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token has no key id (kid)")
        key = self.keys.get(kid)
        if key is None:
            if withdrawn(self.keys, kid):
                raise InvalidToken("the token's signing key was withdrawn (revoked or retired)")
            raise InvalidToken("unknown key id (kid)")
        # The key decides its algorithm: a token may not pick another one for it.
        if key.algorithm_name != alg:
            raise InvalidToken("algorithm does not match the key")
        try:
            claims: dict[str, Any] = self._jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience or self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS, "verify_aud": bool(audience or self.audience)},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token has expired") from None
        except jwt.ImmatureSignatureError as exc:
            if "iat" in str(exc):
                raise InvalidToken("token is not valid yet: issued in the future (iat)") from None
            raise InvalidToken("token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("token is not meant for this audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("token has the wrong issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("signature verification failed") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        self._check_lifetime(claims)
        return claims

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        if self.max_lifetime is None:
            return
        # PyJWT has checked that both are numbers (and required them).
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > self.max_lifetime:
            raise InvalidToken(
                f"token lifetime (exp - iat) of {lifetime:.0f} s is longer than the "
                f"{self.max_lifetime:.0f} s accepted"
            )


def _header(token: str) -> dict[str, Any]:
    """The header alone: PyJWT's get_unverified_header decodes the whole token, which the
    verifying decode then does again (a third of the cost of a verification)."""
    segment = token.split(".", 1)[0]
    if token.count(".") != 2 or not segment:
        raise InvalidToken("malformed token")
    try:
        header = json.loads(base64url_decode(segment))
    except (ValueError, binascii.Error, RecursionError):
        # ValueError covers bad JSON, bad UTF-8, non-ASCII base64 and over-long integers;
        # RecursionError is a header nested thousands of levels deep.
        raise InvalidToken("malformed token") from None
    if not isinstance(header, dict):
        raise InvalidToken("malformed token")
    return header


def scopes_of(claims: dict[str, Any]) -> frozenset[str]:
    scope = claims.get("scope", "")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset()
