"""Serve a WSGI app with gunicorn: the same server locally, in containers and in tests.

Where gunicorn's settings come from, last one wins:

1. ``runnerly_common/gunicorn_config.py``, the config file every service shares;
2. the operator's own config file, named by ``--config`` in ``GUNICORN_CMD_ARGS``;
3. the service's settings: bind address (``<PREFIX>HOST``/``<PREFIX>PORT``), log level,
   process name, ``<PREFIX>WORKERS`` when it is set (else the file's CPU count), and
   ``<PREFIX>THREADS`` (more than 1: threaded ``gthread`` workers);
4. the other flags of ``GUNICORN_CMD_ARGS`` (``--timeout 60``, ``--workers 3``...);
5. keyword arguments of :func:`serve` (tests, benchmarks).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import Application

from runnerly_common import metrics
from runnerly_common.settings import Settings

CONFIG = "python:runnerly_common.gunicorn_config"


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """The gunicorn settings a service's own settings decide."""
    options: dict[str, Any] = {
        "bind": f"{settings.host}:{settings.port}",
        "loglevel": settings.log_level.lower(),
        "proc_name": settings.SECTION,
    }
    if settings.workers:
        options["workers"] = settings.workers
    if settings.threads > 1:
        # gunicorn would switch a sync worker with threads to gthread by itself; saying so
        # keeps the worker class in the settings' hands (GUNICORN_CMD_ARGS still wins).
        options["worker_class"] = "gthread"
        options["threads"] = settings.threads
    return options


class _Server(Application):
    def __init__(
        self, load_app: Callable[[], Any], *layers: dict[str, Any], config: str = CONFIG
    ) -> None:
        self._load_app = load_app
        self._layers = layers
        self._config = config
        super().__init__()

    def init(self, parser: Any, opts: Any, args: Any) -> None:
        """Unused: gunicorn's command line is not parsed (click owns ``sys.argv``)."""

    def load_config(self) -> None:
        self.load_config_from_module_name_or_filename(self._config)
        from_env = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        if from_env.config:
            self.load_config_from_module_name_or_filename(from_env.config)
        env_flags = {
            key: value
            for key, value in vars(from_env).items()
            if value is not None and key not in {"args", "config"}
        }
        service, *overrides = self._layers
        for layer in (service, env_flags, *overrides):
            for key, value in layer.items():
                if key in self.cfg.settings:  # options newer than the installed gunicorn
                    self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        app = self._load_app()
        # What start-up made lives as long as the worker.  Moving it out of the collector's
        # generations spares each full collection a walk over all of it: on a 1,000-run
        # upsert those walks were a fifth of the request.
        gc.freeze()
        return app


def serve(load_app: Callable[[], Any], settings: Settings, **overrides: Any) -> None:
    """Run gunicorn in the foreground; each worker builds its own app with ``load_app``."""
    metrics.prepare_multiprocess_dir(settings.SECTION)
    _Server(load_app, gunicorn_options(settings), overrides).run()
