"""``/s/<token>``: the public page of a share link. The dashboard's own page (the app draws
it from ``GET /api/web/shared/<token>`` without asking for a session), under the same
policy, kept briefly by the gateway's cache and never indexed."""

from __future__ import annotations

from flask import Blueprint, Response

from runnerly_web import frontend
from runnerly_web.sharing.public import cacheable


def make_blueprint() -> Blueprint:
    bp = Blueprint("shared_page", __name__)

    @bp.get("/s/<token>")
    def shared_page(token: str) -> Response:  # the app reads the token from the address
        return cacheable(frontend.index_page())

    return bp
