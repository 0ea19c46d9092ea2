"""A small service served the way ``<service> serve`` serves one (``server.serve``).

``python served_app.py PORT WORKERS [THREADS]``; ``WORKERS`` 0 leaves the count to the config
files; ``THREADS`` (default 1) is the service setting ``<PREFIX>THREADS``.
"""

from __future__ import annotations

import os
import sys
import time

from flask import Flask, request

from runnerly_common import Settings, create_app
from runnerly_common.server import serve


def make_app() -> Flask:
    app = create_app("served", Settings.load(environ={}, env="test"))

    @app.get("/pid")
    def pid() -> dict[str, int]:
        return {"pid": os.getpid()}

    @app.get("/slow")
    def slow() -> dict[str, int]:
        time.sleep(0.5)  # holds its worker (a sync one): concurrent requests reach the others
        return {"pid": os.getpid()}

    @app.get("/peer")
    def peer() -> dict[str, str]:
        # The client's side of the connection: a new port is a new connection.
        return {"peer": f"{request.remote_addr}:{request.environ.get('REMOTE_PORT')}"}

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    return app


if __name__ == "__main__":
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    settings = Settings.load(environ={}, env="test", port=port, workers=workers, threads=threads)
    serve(make_app, settings)
