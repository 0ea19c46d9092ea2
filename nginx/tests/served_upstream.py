"""An upstream served as every Runnerly service is (``runnerly_common.server.serve``: the
toolkit's gunicorn config and settings), answering any GET with the connection it came on.

``python served_upstream.py PORT THREADS`` (one worker).
"""

from __future__ import annotations

import sys

from flask import Flask, request

from runnerly_common import Settings, create_app
from runnerly_common.server import serve


def make_app() -> Flask:
    app = create_app("served-upstream", Settings.load(environ={}, env="test"))

    @app.get("/peer")
    def peer() -> dict[str, str]:
        # The gateway's side of the connection: a new port is a new connection.
        return {"peer": f"{request.remote_addr}:{request.environ.get('REMOTE_PORT')}"}

    return app


if __name__ == "__main__":
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    serve(
        make_app,
        Settings.load(environ={}, env="test", port=port, workers=1, threads=threads),
    )
