"""``GET /.well-known/jwks.json``: every live public key, cacheable."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from runnerly_common.openapi import OpenAPIBlueprint
from tokendealer.service import dealer


def bind(api: OpenAPIBlueprint) -> None:
    @api.operation("getJwks")
    def get_jwks() -> Response:
        td = dealer()
        response = jsonify({"keys": td.keyring.published(td.db.session)})
        response.headers["Cache-Control"] = f"public, max-age={td.settings.jwks_max_age}"
        response.add_etag()
        return response.make_conditional(request)
