"""A small service served the way ``<service> serve`` serves one (``server.serve``).

``python served_app.py PORT WORKERS``; ``WORKERS`` 0 leaves the count to the config files.
"""

from __future__ import annotations

import os
import sys
import time

from flask import Flask

from runnerly_common import Settings, create_app
from runnerly_common.server import serve


def make_app() -> Flask:
    app = create_app("served", Settings.load(environ={}, env="test"))

    @app.get("/pid")
    def pid() -> dict[str, int]:
        return {"pid": os.getpid()}

    @app.get("/slow")
    def slow() -> dict[str, int]:
        time.sleep(0.5)  # holds its worker: concurrent requests reach the others
        return {"pid": os.getpid()}

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


if __name__ == "__main__":
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    serve(make_app, Settings.load(environ={}, env="test", port=port, workers=workers))
