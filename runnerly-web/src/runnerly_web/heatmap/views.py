"""The heatmap's routes: the dataservice's answer, with a validator for the browser's cache.

The payload is the largest a page asks for (every route of the runner, a few MB before
gzip for thousands of runs), and the same until a run arrives, changes or goes: an ETag of
the answer lets a revisit spend one round trip and no body (304).  ``private``: the routes
are the runner's alone, no shared cache may keep them; ``no-cache``: always revalidated,
so a new run shows at once.
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.wrappers import Response as BaseResponse

from runnerly_common.openapi import OpenAPIBlueprint, query_params
from runnerly_web.extensions import dataservice
from runnerly_web.web_session import require_user


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getHeatmap")
    def get_heatmap() -> BaseResponse:
        user_id = require_user()
        params = {key: str(value) for key, value in query_params().items()}
        path = f"/users/{user_id}/heatmap"
        # Passed on as the dataservice's bytes: parsing and writing again a few MB of
        # routes would be most of this view's time.
        answer = dataservice().call("GET", path, runner=user_id, params=params)
        response = Response(answer.content, mimetype="application/json")
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        return response.make_conditional(request)
