"""The headers that make a browser enforce what a response is for.

Every service answers JSON (and, at ``<prefix>/docs``, one static HTML page), so by
default every response says: render nothing from anywhere (``default-src 'none'``), never
inside a frame, never guess a content type, send no referrer, use no powerful feature.
A page that needs more sets its own ``Content-Security-Policy`` (or ``Referrer-Policy``)
on its response (:func:`set_page_policy`): the hook only fills in what a response lacks.
runnerly-web's dashboard does so with its own policy.

``Strict-Transport-Security`` is sent when the settings ask for it (a year by default in
production, see ``Settings.hsts_max_age``); browsers honour it only over HTTPS, so it does
its work once whoever terminates TLS passes it on (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# A JSON answer needs nothing from the browser; ``form-action``, ``base-uri`` and
# ``frame-ancestors`` do not fall back to ``default-src``, so they are spelled out.
API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Features no Runnerly page uses; a page cannot be made to ask for them (by injected
# markup or a frame). Only names Chromium knows: an unknown one is a console error.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)
CSP = "Content-Security-Policy"


def policy(directives: Mapping[str, str | tuple[str, ...]]) -> str:
    """A ``Content-Security-Policy`` value from ``{"script-src": "'self'", ...}``."""
    parts = []
    for name, sources in directives.items():
        value = sources if isinstance(sources, str) else " ".join(sources)
        parts.append(f"{name} {value}".strip())
    return "; ".join(parts)


_R = TypeVar("_R", bound=Response)


def set_page_policy(
    response: _R, content_security_policy: str, *, referrer_policy: str | None = None
) -> _R:
    """Give one HTML response the policy it runs under instead of the JSON default."""
    response.headers[CSP] = content_security_policy
    if referrer_policy:
        response.headers["Referrer-Policy"] = referrer_policy
    return response


def default_headers(hsts_max_age: int) -> dict[str, str]:
    """What every response carries unless its view chose otherwise."""
    headers = {
        CSP: API_POLICY,
        "X-Content-Type-Options": "nosniff",
        # Browsers that predate frame-ancestors (and some that ignore it in Report-Only).
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if hsts_max_age > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
    return headers


class _AddHeaders:
    """WSGI middleware: whatever made the response (a view, an error handler, a failing
    ``after_request`` hook that skipped the others), the headers are added on the way out,
    unless the response set its own."""

    def __init__(self, wsgi_app: WSGIApplication, headers: Mapping[str, str]) -> None:
        self.wsgi_app = wsgi_app
        self.headers = [(name, value) for name, value in headers.items()]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(pair for pair in self.headers if pair[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app: Flask, hsts_max_age: int) -> None:
    """Add the headers to every response of ``app``, error responses included."""
    app.wsgi_app = _AddHeaders(app.wsgi_app, default_headers(hsts_max_age))  # type: ignore[method-assign]
