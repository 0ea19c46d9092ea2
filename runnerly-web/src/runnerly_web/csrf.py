"""CSRF protection: a random token kept in the (signed) session, which every
state-changing request must echo in the ``X-CSRF-Token`` header.

A page on another site can make the browser send our cookie, but cannot read our
``GET /api/web/session`` answer to learn the token, nor set a custom header on a
cross-site request without a CORS preflight we never grant.  SameSite=Lax is the second
line.  Login and sign-up are covered too (login CSRF would log a runner into an attacker's
account).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from runnerly_common.errors import APIError

HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Posted by the browser itself, which adds no header: it only logs and counts a report.
# And RFC 8058's one-click unsubscribe, posted by a mail client without any session: the
# random token in its path is its authority (runnerly_web.email_preferences.one_click).
EXEMPT_ENDPOINTS = frozenset({"api.reportCspViolation", "unsubscribe.one_click"})
_KEY = "csrf"


def csrf_token() -> str:
    """The session's token, made on first use."""
    token = session.get(_KEY)
    if not token:
        token = session[_KEY] = secrets.token_urlsafe(32)
    return token


def rotate() -> str:
    session[_KEY] = secrets.token_urlsafe(32)
    result: str = session[_KEY]
    return result


def init_app(app: Flask) -> None:
    @app.before_request
    def _check_csrf() -> None:
        # Unknown routes and methods answer their own 404 / 405 first.
        if request.method in SAFE_METHODS or request.url_rule is None:
            return
        if request.endpoint in EXEMPT_ENDPOINTS:
            return
        expected = session.get(_KEY)
        sent = request.headers.get(HEADER, "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise APIError(
                403,
                "csrf_failed",
                "missing or wrong X-CSRF-Token header: read GET /api/web/session and send "
                "its csrf_token",
            )
