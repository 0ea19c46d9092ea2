"""Serve a WSGI app with gunicorn: the same server locally, in containers and in tests."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from runnerly_common.logs import make_json
from runnerly_common.settings import Settings


def default_workers() -> int:
    return multiprocessing.cpu_count() * 2 + 1


def gunicorn_options(settings: Settings, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers or default_workers(),
        "threads": 1,
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        # The app writes its own JSON access line (runnerly_common.logs); gunicorn's
        # error log goes to stderr.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "proc_name": settings.SECTION,
        "limit_request_field_size": 16384,
        "logger_class": _JsonLogger,
        # Several services run side by side; none needs gunicorn's runtime control socket.
        "control_socket_disable": True,
    }
    options.update(overrides)
    return options


class _JsonLogger(glogging.Logger):
    """gunicorn's own messages (start, workers, errors) as JSON lines, like the app's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            make_json(handler, cfg.proc_name or "gunicorn")


class _Server(BaseApplication):
    def __init__(self, load_app: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings:  # options newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        app = self._load_app()
        # What start-up made lives as long as the worker.  Moving it out of the collector's
        # generations spares each full collection a walk over all of it: on a 1,000-run
        # upsert those walks were a fifth of the request.
        gc.freeze()
        return app


def serve(load_app: Callable[[], Any], settings: Settings, **overrides: Any) -> None:
    """Run gunicorn in the foreground; each worker builds its own app with ``load_app``."""
    _Server(load_app, gunicorn_options(settings, **overrides)).run()
