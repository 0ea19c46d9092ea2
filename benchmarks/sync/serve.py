"""``dataservice serve`` or ``strava-sim serve``, with the sync benchmark's timers.

Run: python -m benchmarks.sync.serve dataservice|strava-sim (settings from the environment,
as the services' own ``serve`` reads them).  The app, its settings and the gunicorn options
are the service's own (``runnerly_common.server.serve``); each gunicorn worker builds its app
and, when ``BENCH_SYNC_PROBE_DIR`` is set, wraps it with :mod:`benchmarks.sync.probe`'s
``time_requests``, its engine with ``time_driver`` and the dataservice's COPY with
``time_copy``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from benchmarks.sync.probe import ENV_DIR, Probe, time_copy, time_driver, time_requests
from runnerly_common.logs import configure_logging
from runnerly_common.server import serve


def _probe(role: str) -> Probe | None:
    directory = os.environ.get(ENV_DIR)
    return Probe(directory, role) if directory else None


def serve_dataservice() -> None:
    from dataservice.settings import DataServiceSettings

    settings = DataServiceSettings.load()
    configure_logging("dataservice", settings.log_level)

    def load_app() -> Any:
        from dataservice.app import create_app

        app = create_app(settings)
        if probe := _probe("dataservice"):
            time_driver(app.extensions["runnerly.db"].engine, probe)
            time_copy(probe)
            time_requests(app, probe)
        return app

    serve(load_app, settings)


def serve_strava_sim() -> None:
    from strava_sim.service import Simulator
    from strava_sim.settings import SimSettings

    settings = SimSettings.load()
    configure_logging("strava-sim", settings.log_level)
    Simulator(settings).setup()  # once, before the workers fork: as `strava-sim serve`

    def load_app() -> Any:
        from strava_sim.app import create_app

        app = create_app(settings, setup=False)
        if probe := _probe("strava-sim"):
            time_driver(app.extensions["strava_sim"].db.engine, probe)
            time_requests(app, probe)
        return app

    serve(load_app, settings)


if __name__ == "__main__":
    services = {"dataservice": serve_dataservice, "strava-sim": serve_strava_sim}
    if len(sys.argv) != 2 or sys.argv[1] not in services:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(services)}")
    services[sys.argv[1]]()
