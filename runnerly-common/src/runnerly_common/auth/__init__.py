"""JWT verification against the tokendealer's JWKS, and scope checks for views."""

from runnerly_common.auth.jwks import JWKSCache, KeysUnavailable, StaticKeys
from runnerly_common.auth.scopes import current_claims, init_app, requires_scope
from runnerly_common.auth.verify import InvalidToken, TokenVerifier

__all__ = [
    "InvalidToken",
    "JWKSCache",
    "KeysUnavailable",
    "StaticKeys",
    "TokenVerifier",
    "current_claims",
    "init_app",
    "requires_scope",
]
