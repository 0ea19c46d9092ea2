"""Second-factor checks, throttled as passwords are (``throttle``), on counters of their own.

Codes are six digits: without a limit they could be tried in a minute.  Every check that
can fail (the login's second step, turning two-factor off, new recovery codes) counts its
failures per account and per address, or per known device (decision 22's rules, with the
login limits), under keys of their own so that password failures and code failures never
spend each other's allowance.
"""

from __future__ import annotations

import logging
import re
from contextlib import AbstractContextManager
from typing import Any

from flask import current_app

from runnerly_common.errors import APIError
from runnerly_web.account.service import field_error
from runnerly_web.account.service import throttled as account_throttled
from runnerly_web.extensions import settings, throttle
from runnerly_web.throttle import Counter, LoginThrottle

log = logging.getLogger(__name__)
_THROTTLE = "runnerly_web.two_factor_throttle"
_SIX_DIGITS = re.compile(r"[0-9]{6}")


class _Prefixed:
    """The login throttle's store, with every key under ``prefix``."""

    def __init__(self, counter: Counter, prefix: str) -> None:
        self.counter, self.prefix = counter, prefix

    def count(self, key: str) -> tuple[int, int]:
        return self.counter.count(self.prefix + key)

    def add(self, key: str, window: int) -> None:
        self.counter.add(self.prefix + key, window)

    def clear(self, key: str) -> None:
        self.counter.clear(self.prefix + key)

    def begin(self, key: str, hold: int) -> int:
        return self.counter.begin(self.prefix + key, hold)

    def end(self, key: str) -> None:
        self.counter.end(self.prefix + key)


def code_throttle() -> LoginThrottle:
    """Made on first use, on the login throttle's store (no new store to configure)."""
    found: LoginThrottle | None = current_app.extensions.get(_THROTTLE)
    if found is None:
        s = settings()
        made = LoginThrottle(
            _Prefixed(throttle().counter, "two-factor:"),
            window=s.login_window_seconds,
            per_account=s.login_max_per_account,
            per_address=s.login_max_per_address,
        )
        found = current_app.extensions.setdefault(_THROTTLE, made)
    assert found is not None
    return found


def second_factor(body: dict[str, Any]) -> dict[str, str]:
    """``{"code": "123456"}`` or ``{"recovery_code": ...}`` as the dataservice takes them:
    spaces and dashes typed with a code are dropped; anything else but six digits is 400."""
    if "code" in body:
        code = re.sub(r"[\s-]", "", body["code"])
        if not _SIX_DIGITS.fullmatch(code):
            raise field_error(
                400, "invalid_request", "body.code", "enter the 6 digits your app shows"
            )
        return {"code": code}
    return {"recovery_code": body["recovery_code"]}


def wrong_factor(factor: dict[str, str]) -> APIError:
    if "code" in factor:
        return field_error(
            401,
            "invalid_code",
            "body.code",
            "this code is not right, or was used already; enter the newest one your app shows",
        )
    return field_error(
        401,
        "invalid_code",
        "body.recovery_code",
        "this recovery code is not right, or was used already",
    )


def throttled(email: str) -> AbstractContextManager[tuple[LoginThrottle, str, str | None]]:
    """Refuses (429) once too many codes failed; yields the throttle, the address and the
    known device for the caller to count its outcome (as passwords are, on these counters)."""
    return account_throttled(code_throttle(), email, "codes", "code checks")
