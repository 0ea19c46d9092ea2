"""``create_app``: strava-sim as a Flask app."""

from __future__ import annotations

from flask import Flask

import runnerly_common
from strava_sim import admin
from strava_sim.api import views as api_views
from strava_sim.oauth import views as oauth_views
from strava_sim.service import Simulator
from strava_sim.settings import SimSettings
from strava_sim.webhooks import views as webhook_views


def create_app(
    settings: SimSettings | None = None, *, setup: bool = True, simulator: Simulator | None = None
) -> Flask:
    """``setup=False`` in gunicorn workers: the master set the database up before forking."""
    settings = settings or SimSettings.load()
    app = runnerly_common.create_app("strava-sim", settings)
    simulator = simulator or Simulator(settings)
    if setup:
        simulator.setup()
    app.extensions["strava_sim"] = simulator
    simulator.db.init_app(app)
    app.register_blueprint(oauth_views.make_blueprint())
    app.register_blueprint(api_views.make_blueprint())
    app.register_blueprint(webhook_views.make_blueprint())
    app.register_blueprint(admin.make_blueprint())
    return app
