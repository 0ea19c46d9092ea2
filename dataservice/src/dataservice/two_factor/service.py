"""Two-factor sign-in for one runner: enrol, confirm, verify, disable, recovery codes.

Every accepted code moves ``last_step`` forward with one conditional UPDATE and every
recovery code is spent with one, so two requests racing with the same code cannot both
win, on SQLite or PostgreSQL, without holding a lock across the check.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dataservice.errors import conflict, invalid
from dataservice.strava.crypto import TokenCipher
from dataservice.two_factor import totp
from dataservice.two_factor.models import RecoveryCode, TwoFactor
from dataservice.users.models import User
from runnerly_common.db import utcnow
from runnerly_common.errors import APIError

RECOVERY_CODES = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 10  # ~49 bits


@dataclass(frozen=True)
class Verified:
    valid: bool
    method: str | None = None  # "code" or "recovery_code"
    recovery_codes_left: int = 0


def status(session: Session, runner_id: int) -> dict[str, Any]:
    row = session.get(TwoFactor, runner_id)
    enabled = row is not None and row.enabled_at is not None
    return {
        "enabled": enabled,
        "pending": row is not None and row.enabled_at is None,
        "enabled_at": row.enabled_at.isoformat() if row and row.enabled_at else None,
        "recovery_codes_left": _codes_left(session, runner_id) if enabled else 0,
    }


def is_enabled(session: Session, runner_id: int) -> bool:
    found = session.scalar(
        select(TwoFactor.runner_id).where(
            TwoFactor.runner_id == runner_id, TwoFactor.enabled_at.is_not(None)
        )
    )
    return found is not None


def start(session: Session, cipher: TokenCipher, user: User) -> dict[str, str]:
    """A new pending secret (any earlier pending one is replaced); answered once."""
    row = session.get(TwoFactor, user.id)
    if row is not None and row.enabled_at is not None:
        raise conflict("two_factor", "is already on; turn it off first to enrol a new device")
    secret = totp.new_secret()
    if row is None:
        row = TwoFactor(runner_id=user.id)
        session.add(row)
    row.secret = cipher.encrypt(secret)
    row.last_step = None
    row.created_at = utcnow()
    session.flush()
    return {"secret": secret, "otpauth_uri": totp.provisioning_uri(secret, user.email)}


def confirm(session: Session, cipher: TokenCipher, runner_id: int, code: str) -> dict[str, Any]:
    """The first code from the runner's app turns two-factor on; the recovery codes are
    answered this once."""
    row = session.get(TwoFactor, runner_id)
    if row is None:
        raise conflict("two_factor", "has no enrolment to confirm; start one first")
    if row.enabled_at is not None:
        raise conflict("two_factor", "is already on")
    if not _accept_code(session, cipher, row, code):
        raise wrong_code("body.code")
    row.enabled_at = utcnow()
    codes = _new_recovery_codes(session, runner_id)
    session.flush()
    return {"enabled_at": row.enabled_at.isoformat(), "recovery_codes": codes}


def verify(
    session: Session,
    cipher: TokenCipher,
    runner_id: int,
    code: str | None = None,
    recovery_code: str | None = None,
) -> Verified:
    """Whether the code (or an unused recovery code) is good now; spends it if so."""
    row = _enabled(session, runner_id)
    if code is not None:
        if _accept_code(session, cipher, row, code):
            return Verified(True, "code", _codes_left(session, runner_id))
        return Verified(False)
    if recovery_code is not None and _spend_recovery_code(session, runner_id, recovery_code):
        return Verified(True, "recovery_code", _codes_left(session, runner_id))
    return Verified(False)


def disable(
    session: Session,
    cipher: TokenCipher,
    runner_id: int,
    code: str | None = None,
    recovery_code: str | None = None,
) -> None:
    """The runner turns it off, proving it with a code or a recovery code."""
    if not verify(session, cipher, runner_id, code, recovery_code).valid:
        raise wrong_code("body.code" if code is not None else "body.recovery_code")
    _remove(session, runner_id)


def regenerate(session: Session, cipher: TokenCipher, runner_id: int, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), against a current code."""
    if not verify(session, cipher, runner_id, code=code).valid:
        raise wrong_code("body.code")
    return _new_recovery_codes(session, runner_id)


def reset(session: Session, runner_id: int) -> bool:
    """An administrator removes it (lost phone and codes); whether there was one on."""
    was_enabled = is_enabled(session, runner_id)
    _remove(session, runner_id)
    return was_enabled


def wrong_code(field: str) -> APIError:
    what = "code" if field == "body.code" else "recovery code"
    return invalid(field, f"this {what} is not valid (or was used already)", status=422)


def _enabled(session: Session, runner_id: int) -> TwoFactor:
    row = session.get(TwoFactor, runner_id)
    if row is None or row.enabled_at is None:
        raise conflict("two_factor", "is not on for this runner")
    return row


def _accept_code(session: Session, cipher: TokenCipher, row: TwoFactor, code: str) -> bool:
    try:
        secret = cipher.decrypt(row.secret)
    except ValueError:
        raise APIError(500, "internal_error", "the two-factor secret cannot be decrypted") from None
    step = totp.matching_step(secret, code, time.time())
    if step is None:
        return False
    moved = session.execute(
        update(TwoFactor)
        .where(TwoFactor.runner_id == row.runner_id)
        .where((TwoFactor.last_step.is_(None)) | (TwoFactor.last_step < step))
        # Written again with the newest key: after a key rotation, every runner's next
        # code moves their secret off the old key.
        .values(last_step=step, secret=cipher.encrypt(secret))
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return bool(getattr(moved, "rowcount", 0) == 1)


def _new_recovery_codes(session: Session, runner_id: int) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.runner_id == runner_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(runner_id=runner_id, code_hash=_hash(raw)))
    session.flush()
    return codes


def _spend_recovery_code(session: Session, runner_id: int, given: str) -> bool:
    spent = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.runner_id == runner_id)
        .where(RecoveryCode.code_hash == _hash(normalise_recovery_code(given)))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(spent, "rowcount", 0) == 1)


def normalise_recovery_code(given: str) -> str:
    """As printed (``abcde-fghjk``), in capitals, with spaces: the same code."""
    return "".join(c for c in given.casefold() if c.isalnum())


def _codes_left(session: Session, runner_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.runner_id == runner_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


def _remove(session: Session, runner_id: int) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.runner_id == runner_id))
    session.execute(delete(TwoFactor).where(TwoFactor.runner_id == runner_id))
    session.flush()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
