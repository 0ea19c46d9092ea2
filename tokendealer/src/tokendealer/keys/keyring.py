"""The key ring: which key signs, which keys are published, and rotation.

State lives in the database so that every tokendealer process (and the CLI) sees a
rotation at once; decrypted private keys are cached in memory by ``kid``.
Rotation promotes the *next* key, which has been published since the previous rotation,
so verifiers holding a cached JWKS already know the key that now signs.  Revocation (a
leaked key) withdraws a key from the JWKS at once; verifiers drop it when their cached
JWKS expires, within the ``max-age`` the JWKS is served with (docs/tokens.md).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from runnerly_common.settings import SettingsError
from tokendealer.keys import material
from tokendealer.keys.models import SigningKey

log = logging.getLogger(__name__)


class KeysPassphraseError(SettingsError):
    """The stored signing keys cannot be decrypted with the configured passphrase."""


class KeyRingError(Exception):
    """An operator's request the key ring refuses; the message says why and what to do."""


@dataclass(frozen=True)
class Signer:
    kid: str
    alg: str
    key: material.PrivateKey


class KeyRing:
    def __init__(self, *, alg: str, passphrase: str, max_token_ttl: int, leeway: int) -> None:
        self.alg = alg
        self.passphrase = passphrase
        # A retired key stays published until every token it signed has expired.
        self.retention = max_token_ttl + leeway
        self._private: dict[str, material.PrivateKey] = {}
        self._public: dict[str, jwt.PyJWK] = {}
        self._lock = threading.Lock()
        if not passphrase:
            log.warning("no keys passphrase set: signing keys are stored unencrypted")

    def _new_key(self, session: Session, now: float, *, active: bool) -> SigningKey:
        private = material.generate(self.alg)
        jwk = material.public_jwk(private, self.alg)
        row = SigningKey(
            kid=jwk["kid"],
            alg=self.alg,
            private_pem=material.dump_private(private, self.passphrase),
            public_jwk=json.dumps(jwk),
            created_at=now,
            activated_at=now if active else None,
            retired_at=None,
        )
        session.add(row)
        return row

    def _live(self, session: Session, now: float) -> list[SigningKey]:
        """Keys that sign, will sign or are still published: never a revoked one."""
        rows = session.scalars(
            select(SigningKey)
            .where(SigningKey.revoked_at.is_(None))
            .order_by(SigningKey.created_at.desc())
        )
        return [r for r in rows if r.retired_at is None or r.retired_at + self.retention > now]

    def ensure(self, session: Session) -> None:
        """Make sure a current and a next key exist (first start, or after a purge)."""
        now = time.time()
        live = self._live(session, now)
        if not any(_is_current(r) for r in live):
            self._new_key(session, now, active=True)
        if not any(r.activated_at is None for r in live):
            self._new_key(session, now, active=False)
        session.flush()

    def check(self, session: Session) -> None:
        """Decrypt every key that signs or will sign, so that a wrong passphrase stops the
        start-up by name instead of turning every token request into a 500 later."""
        for row in self._live(session, time.time()):
            if row.retired_at is not None or row.kid in self._private:
                continue
            try:
                key = material.load_private(row.private_pem, self.passphrase)
            except (ValueError, TypeError) as exc:
                raise KeysPassphraseError(
                    f"TOKENDEALER_KEYS_PASSPHRASE does not decrypt signing key {row.kid} "
                    f"({exc}): set the passphrase the keys were created with"
                ) from None
            with self._lock:
                self._private.setdefault(row.kid, key)

    def rotate(self, session: Session) -> dict[str, Any]:
        """Retire the current key, promote the next one, publish a new next one."""
        now = time.time()
        self.ensure(session)
        live = self._live(session, now)
        upcoming = [r for r in live if r.activated_at is None]
        promoted = min(upcoming, key=lambda r: r.created_at)
        for row in live:
            if _is_current(row):
                row.retired_at = now
        promoted.activated_at = now
        self._new_key(session, now, active=False)
        purged = self._purge(session, now)
        session.flush()
        return {**self.describe(session), "purged": purged}

    def revoke(
        self, session: Session, kid: str, *, by: str, rotate: bool = False
    ) -> dict[str, Any]:
        """Withdraw ``kid`` from the JWKS now and erase its private half, recording who did
        it and when.  The key that signs is revoked only with ``rotate``: the next key
        (published since the last rotation, so verifiers know it) signs from then on;
        without it the refusal says so, rather than leave nothing to sign with."""
        now = time.time()
        row = session.get(SigningKey, kid)
        if row is None:
            raise KeyRingError(f"no signing key {kid!r} (`tokendealer keys list` shows them)")
        if row.revoked_at is not None:
            return {**self.describe(session), "revoked_now": None}
        if _is_current(row):
            if not rotate:
                raise KeyRingError(
                    f"{kid} is the key that signs now: revoking it would leave none. Revoke it "
                    "with --rotate, which first promotes the next key (already published) to "
                    "sign in its place"
                )
            self.rotate(session)
        row.revoked_at = now
        row.revoked_by = by[:128]
        row.private_pem = b""  # a leaked key is not kept, not even encrypted
        with self._lock:
            self._private.pop(kid, None)
            self._public.pop(kid, None)
        self.ensure(session)  # a revoked next key gets a successor
        session.flush()
        log.warning("signing key %s revoked by %s: withdrawn from the JWKS", kid, by)
        return {**self.describe(session), "revoked_now": kid}

    def _purge(self, session: Session, now: float) -> list[str]:
        # Revoked keys stay, as the record of their revocation (their private half is gone).
        gone = [
            r
            for r in session.scalars(select(SigningKey).where(SigningKey.revoked_at.is_(None)))
            if r.retired_at is not None and r.retired_at + self.retention <= now
        ]
        for row in gone:
            session.delete(row)
        return [r.kid for r in gone]

    def describe(self, session: Session) -> dict[str, Any]:
        live = self._live(session, time.time())
        return {
            "current": next((r.kid for r in live if _is_current(r)), None),
            "next": [r.kid for r in live if r.activated_at is None],
            "retired": [r.kid for r in live if r.retired_at is not None],
            "revoked": [
                {"kid": r.kid, "revoked_at": r.revoked_at, "revoked_by": r.revoked_by}
                for r in session.scalars(
                    select(SigningKey)
                    .where(SigningKey.revoked_at.is_not(None))
                    .order_by(SigningKey.revoked_at)
                )
            ],
        }

    def signer(self, session: Session) -> Signer:
        """The key that signs now (the most recently activated current key)."""
        current = [r for r in self._live(session, time.time()) if _is_current(r)]
        if not current:
            raise LookupError("no current signing key: run `tokendealer rotate-keys`")
        row = max(current, key=lambda r: r.activated_at or 0)
        key = self._private.get(row.kid)
        if key is None:
            with self._lock:
                key = self._private.setdefault(
                    row.kid, material.load_private(row.private_pem, self.passphrase)
                )
        return Signer(row.kid, row.alg, key)

    def published(self, session: Session) -> list[dict[str, Any]]:
        """Public JWKs of every live key: current first, then next, then retired."""
        live = self._live(session, time.time())
        order = {True: 0, False: 1}
        live.sort(key=lambda r: (order[_is_current(r)], r.retired_at is not None))
        return [json.loads(r.public_jwk) for r in live]

    def public_key(self, session: Session, kid: str) -> jwt.PyJWK | None:
        """A published key by ``kid`` (for verifying our own tokens locally)."""
        row = session.get(SigningKey, kid)
        if (
            row is None
            or row.revoked_at is not None
            or (row.retired_at is not None and row.retired_at + self.retention <= time.time())
        ):
            return None
        key = self._public.get(kid)
        if key is None:
            key = self._public.setdefault(kid, jwt.PyJWK(json.loads(row.public_jwk)))
        return key


def operator_name() -> str:
    """Who runs this command, for the revocation's record (``--by`` says better)."""
    for name in ("SUDO_USER", "USER", "LOGNAME"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        return f"uid {os.getuid()}"


def _is_current(row: SigningKey) -> bool:
    return row.activated_at is not None and row.retired_at is None
