"""JSON logs on stdout, one object a line, each carrying the service and request id."""

from __future__ import annotations

import logging
import sys
import time

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


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
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
