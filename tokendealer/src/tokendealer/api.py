"""The tokendealer's HTTP API, bound to ``openapi.yaml`` by operationId."""

from __future__ import annotations

from pathlib import Path

from flask import Response, request

from runnerly_common.errors import error_response
from runnerly_common.openapi import OpenAPIBlueprint, RequestValidationFailed
from tokendealer.tokens.oauth import NO_STORE

SPEC = Path(__file__).with_name("openapi.yaml")
OAUTH_ENDPOINTS = {"api.issueToken", "api.introspectToken"}


def make_blueprint() -> OpenAPIBlueprint:
    api = OpenAPIBlueprint("api", __name__, SPEC)
    from tokendealer.apps import views as app_views
    from tokendealer.keys import views as key_views
    from tokendealer.tokens import views as token_views

    key_views.bind(api)
    token_views.bind(api)
    app_views.bind(api)
    api.check_all_bound()

    @api.errorhandler(RequestValidationFailed)
    def _oauth_validation(exc: RequestValidationFailed) -> Response:
        extra = dict(exc.extra)
        headers = {}
        if request.endpoint in OAUTH_ENDPOINTS:  # RFC 6749 §5.2 shape for OAuth clients
            extra.update(error="invalid_request", error_description=exc.message)
            headers = NO_STORE
        return error_response(exc.status, exc.code, exc.message, headers, **extra)

    return api
