"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106, low memory).

``DATASERVICE_PASSWORD_HASH=cheapest`` (argon2-cffi's ``CHEAPEST`` profile) exists for test
suites, where each sign-up's 0.19 s of CPU is most of a test; production refuses it
(:class:`dataservice.settings.DataServiceSettings`).  Requests use the app's hasher; the
command line (``ensure-user``, the admin facade) always the standard one."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

PROFILES = {"rfc9106": profiles.RFC_9106_LOW_MEMORY, "cheapest": profiles.CHEAPEST}
EXTENSION = "dataservice.passwords"

_STANDARD = PasswordHasher.from_parameters(PROFILES["rfc9106"])
# Verifying against this when the email is unknown makes both cases cost the same.
_DUMMY_HASH = _STANDARD.hash("runnerly-timing-equaliser")


def hasher_for(profile: str) -> PasswordHasher:
    return _STANDARD if profile == "rfc9106" else PasswordHasher.from_parameters(PROFILES[profile])


def _hasher() -> PasswordHasher:
    if has_app_context():
        chosen: PasswordHasher = current_app.extensions.get(EXTENSION, _STANDARD)
        return chosen
    return _STANDARD


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
