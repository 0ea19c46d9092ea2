"""Request ids: keep a well-formed incoming ``X-Request-ID`` or make one.

The id lives in a context variable so that log records, outgoing HTTP calls and Celery
tasks started while serving a request all carry it, inside or outside Flask.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
# Letters, digits and a few separators: enough for UUIDs and the gateway's ids, and
# nothing that could forge a log line or a header.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_current: ContextVar[str | None] = ContextVar("runnerly_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def is_well_formed(value: str | None) -> bool:
    return value is not None and _WELL_FORMED.fullmatch(value) is not None


def current_request_id() -> str | None:
    """The id of the request (or task) being handled, if any."""
    return _current.get()


def bind_request_id(value: str | None) -> Token[str | None]:
    """Make ``value`` current (for tasks and threads); returns a token for ``reset``."""
    return _current.set(value if is_well_formed(value) else new_request_id())


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get(HEADER)
        g.request_id = incoming if is_well_formed(incoming) else new_request_id()
        g._request_id_token = _current.set(g.request_id)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers[HEADER] = request_id_for_response()
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("_request_id_token", None)
        if token is not None:
            _current.reset(token)


def request_id_for_response() -> str:
    """The current id; errors raised before ``before_request`` ran still get one."""
    if "request_id" not in g:
        g.request_id = new_request_id()
    request_id: str = g.request_id
    return request_id
