"""The application factory every service starts from."""

from __future__ import annotations

import logging

import requests
from flask import Flask

from runnerly_common import (
    converters,
    errors,
    health,
    logs,
    metrics,
    openapi,
    requestid,
    security_headers,
)
from runnerly_common.auth import JWKSCache, TokenVerifier
from runnerly_common.auth import init_app as init_auth
from runnerly_common.json_body import JSONProvider, JSONRequest
from runnerly_common.settings import Settings

log = logging.getLogger(__name__)


def create_app(service: str, settings: Settings, *, configure_logs: bool = True) -> Flask:
    """A Flask app with JSON errors, request ids, JSON logs, health routes, Prometheus
    metrics, the browser's security headers and, when ``settings.jwks_url`` is set,
    bearer-token verification against the tokendealer."""
    if configure_logs:
        logs.configure_logging(service, settings.log_level)
    app = Flask(service)
    # Client JSON is parsed with a nesting limit and refused with a 400 naming the problem.
    app.request_class = JSONRequest
    app.json = JSONProvider(app)
    converters.init_app(app)  # before any route: <int:...> ids within 64 bits
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_content_length,
        TESTING=settings.env == "test",
    )
    app.extensions["runnerly.settings"] = settings
    # The package of the service's settings class names the version it runs.
    metrics.init_app(app, service, metrics.package_version(type(settings).__module__))
    security_headers.init_app(app, settings.hsts_max_age)
    requestid.init_app(app)
    logs.init_access_log(app)
    errors.init_app(app)
    openapi.init_app(app)
    app.register_blueprint(health.blueprint(service))
    if settings.jwks_url:
        jwks = JWKSCache(
            settings.jwks_url,
            requests.Session(),
            ttl=settings.jwks_cache_seconds,
            min_refetch_interval=settings.jwks_min_refetch_seconds,
        )
        init_auth(
            app,
            TokenVerifier(
                jwks,
                issuer=settings.token_issuer,
                audience=settings.token_audience or service,
                algorithms=settings.token_algorithms,
                leeway=settings.token_leeway,
                max_lifetime=settings.token_max_lifetime_seconds,
            ),
        )
        health.add_readiness_check(app, "jwks", jwks.ready)
    return app


def settings_of(app: Flask) -> Settings:
    settings: Settings = app.extensions["runnerly.settings"]
    return settings
