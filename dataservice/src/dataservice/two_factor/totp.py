"""TOTP codes (RFC 6238) with pyotp: 30-second steps, 6 digits, HMAC-SHA1 (what every
authenticator app reads from an ``otpauth://`` URI without extra parameters).

A code is looked for at the current step and one step either side (RFC 6238 §5.2 allows a
window for clock drift and typing time); the caller remembers the step it matched so the
same code is never accepted twice (§5.2: "MUST NOT accept the second attempt").
"""

from __future__ import annotations

import hashlib
import hmac

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps either side of now
ISSUER = "Runnerly"


def new_secret() -> str:
    """160 random bits, base32 (RFC 4226 §4 recommends 160)."""
    return pyotp.random_base32()


def code_at(secret: str, for_time: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """The code for unix time ``for_time``."""
    return _totp(secret, digits, digest).at(for_time)


def step_of(for_time: float) -> int:
    return int(for_time) // STEP_SECONDS


def matching_step(secret: str, code: str, now: float, window: int = WINDOW) -> int | None:
    """The time step within ``window`` of ``now`` whose code is ``code``, else None; each
    step is compared in constant time."""
    totp = _totp(secret, DIGITS, "sha1")
    current = step_of(now)
    found = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def _totp(secret: str, digits: int, digest: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=digits, digest=getattr(hashlib, digest), interval=STEP_SECONDS)
