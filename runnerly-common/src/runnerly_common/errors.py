"""Every error is JSON: ``{"code", "message", "request_id"}`` plus optional details."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from runnerly_common.requestid import request_id_for_response

log = logging.getLogger(__name__)


class APIError(Exception):
    """An error a view raises to answer with ``status`` and a JSON body.

    ``code`` is a stable machine-readable name (``not_found``, ``invalid_token``...);
    ``extra`` adds fields such as ``errors`` (per-field problems) to the body, and
    ``headers`` adds response headers (``WWW-Authenticate``, ``Retry-After``).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    response = jsonify(
        {"code": code, "message": message, **extra, "request_id": request_id_for_response()}
    )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def init_app(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(exc: APIError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if exc.code == 500:  # Flask's wrapper for a failure in a hook: same answer as a view's
            original = getattr(exc, "original_exception", None) or exc
            log.error("unhandled exception", exc_info=original)
            return error_response(500, "internal_error", "internal server error")
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body too large (the limit is {limit} bytes)"
        else:
            message = exc.description or exc.name
        return error_response(exc.code or 500, _snake(exc.name), message, headers)

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(exc: StaleDataError) -> Response:
        # Two clients changed one row at once (one deleted what the other was updating):
        # the client's request was fine and can be sent again after a fresh read.
        log.info("row changed by a concurrent request: %s", exc)
        return error_response(
            409, "conflict", "changed or deleted by another request meanwhile: read it again"
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled exception")
        return error_response(500, "internal_error", "internal server error")
