"""JSON logs on stdout, one object a line, each carrying the service and request id."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

from runnerly_common.requestid import current_request_id

ACCESS_LOGGER = "runnerly.access"


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = current_request_id()
        return True


# The user info of a URL (``redis://:password@host``): a password, or a token as a user name.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"<>]+@")


def redact_urls(text: str) -> str:
    """``text`` with the user info of every URL in it replaced by ``***``."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_urls(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


class _Formatter(JsonFormatter):
    """Redacts credentials in URLs wherever a line holds one (its message, its extra fields,
    a traceback): a library logs the URL it connects to (Celery's broker, say) as it is."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        redacted: dict[str, Any] = _redacted(log_data)
        return redacted


def json_formatter() -> logging.Formatter:
    return _Formatter(
        "{levelname}{name}{message}{service}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601, UTC
    )


def make_json(handler: logging.Handler, service: str) -> logging.Handler:
    """Make ``handler`` write JSON lines carrying the service and request id."""
    handler.addFilter(_ContextFilter(service))
    handler.setFormatter(json_formatter())
    return handler


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger through one JSON handler on stdout (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_runnerly", False):
            root.removeHandler(handler)
    handler = make_json(logging.StreamHandler(sys.stdout), service)
    handler._runnerly = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())


def init_access_log(app: Flask) -> None:
    """One access line per request, from the app, so it reads the same under any server."""
    log = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def _start_timer() -> None:
        g._started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("_started")
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)
                if started
                else None,
                "client": request.remote_addr,
            },
        )
        return response
