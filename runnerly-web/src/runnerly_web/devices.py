"""The "known device" cookie: this browser has logged in to this account before.

Set after every successful login, sign-up and password change, it lets its holder past the
account's lockout (``throttle``): failures elsewhere cannot keep the runner out of a browser
they have used.  It is signed with the app's secret (so it cannot be made up), names the
account only by a hash of its email (so it never carries the address itself), and carries a
random device id on which the holder's own failures are counted.  It is sent to the API
only (path ``/api/web/``), never to scripts (HttpOnly), never cross-site (SameSite=Strict).
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from runnerly_web.extensions import settings

COOKIE = "runnerly_device"
PATH = "/api/web/"
_SALT = "runnerly-web.known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)  # type: ignore[arg-type]


def _account_tag(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]


def known_device(email: str) -> str | None:
    """The request's device id when its cookie is a valid one for ``email``'s account."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=settings().known_device_days * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("a") != _account_tag(email):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


def remember(email: str) -> None:
    """This response tells the browser it is a known device of ``email``'s account."""
    value = _serializer().dumps({"a": _account_tag(email), "d": secrets.token_urlsafe(16)})
    max_age = settings().known_device_days * 86400
    secure = settings().cookies_secure

    @after_this_request
    def _set_cookie(response: Response) -> Response:
        response.set_cookie(
            COOKIE,
            value,
            max_age=max_age,
            path=PATH,
            secure=secure,
            httponly=True,
            samesite="Strict",
        )
        return response
