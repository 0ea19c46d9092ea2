"""Bearer tokens in Flask views: 401 for a missing or bad token, 403 for a missing scope,
503 ``keys_unavailable`` when the token's key cannot be looked up (the JWKS fetch failed)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from runnerly_common.auth.jwks import KeysUnavailable
from runnerly_common.auth.verify import InvalidToken, TokenVerifier, scopes_of
from runnerly_common.errors import APIError

F = TypeVar("F", bound=Callable[..., Any])
REALM = "runnerly"


def init_app(app: Flask, verifier: TokenVerifier) -> None:
    app.extensions["runnerly.verifier"] = verifier


def _unauthorized(message: str, error: str | None = "invalid_token") -> APIError:
    challenge = f'Bearer realm="{REALM}"'
    if error:  # RFC 6750 §3.1: no error code when the request had no token at all
        challenge += f', error="{error}", error_description="{_description(message)}"'
    return APIError(401, error or "missing_token", message, headers={"WWW-Authenticate": challenge})


def _description(message: str) -> str:
    """RFC 6750 §3: printable ASCII without quote or backslash. A message may quote the
    token (PyJWT names a ``crit`` extension), and a newline there would make the header
    itself fail (a 500); so anything else becomes ``?``, and the length is capped."""
    safe = "".join(c if " " <= c <= "~" and c != "\\" else "?" for c in message.replace('"', "'"))
    return safe[:200]


def authenticate() -> dict[str, Any]:
    """Verify the request's bearer token (once per request) and return its claims."""
    if "token_claims" in g:
        return current_claims()
    verifier: TokenVerifier | None = current_app.extensions.get("runnerly.verifier")
    if verifier is None:
        raise RuntimeError("bearer tokens are checked but no verifier is configured")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthorized("a bearer token is required", error=None)
    if scheme.lower() != "bearer":
        # RFC 6750 §3.1: a request without a bearer token gets the bare challenge.
        raise _unauthorized("a bearer token is required (Authorization: Bearer <token>)", None)
    if not token.strip():
        raise APIError(
            400,
            "invalid_request",
            "the bearer token is empty",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_request"'},
        )
    try:
        g.token_claims = verifier.verify(token.strip())
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from None
    except KeysUnavailable as exc:
        # The outage is ours, not the client's: a 5xx, which the error-ratio alert counts
        # (a 401 would hide it among bad tokens); the fetch failure itself is logged by
        # the cache, once per attempt.
        raise APIError(
            503,
            "keys_unavailable",
            f"{exc}; the token cannot be checked now, try again later",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return current_claims()


def check_scopes(required: tuple[str, ...]) -> dict[str, Any]:
    claims = authenticate()
    missing = [s for s in required if s not in scopes_of(claims)]
    if missing:
        scope = " ".join(required)
        raise APIError(
            403,
            "insufficient_scope",
            f"this operation needs the scope(s): {scope}",
            headers={
                "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
                f'scope="{scope}"'
            },
        )
    return claims


def requires_scope(*scopes: str) -> Callable[[F], F]:
    """Decorate a view: a valid bearer token carrying every scope named is required."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_scopes(scopes)
            return view(*args, **kwargs)

        wrapper.required_scopes = scopes  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def current_claims() -> dict[str, Any]:
    """Claims of the request's verified token (after a scope check ran)."""
    claims: dict[str, Any] = g.token_claims
    return claims
