"""The admin API (JSON, not part of Strava): what tests and the worker's developers use to
change the world under a client — activities, tokens, limits, faults."""

from __future__ import annotations

import hmac

from flask import Blueprint, request

from runnerly_common.errors import APIError
from strava_sim.admin import activities, switches
from strava_sim.service import sim

HEADER = "X-Sim-Admin"


def make_blueprint() -> Blueprint:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_request
    def _guard() -> None:
        expected = sim().settings.admin_token
        given = request.headers.get(HEADER, "")
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            raise APIError(401, "admin_token_required", f"the admin API needs the {HEADER} header")

    activities.register(bp)
    switches.register(bp)
    return bp
