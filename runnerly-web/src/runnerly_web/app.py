"""``create_app``: runnerly-web as a Flask app."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import runnerly_common
from runnerly_common.health import add_readiness_check
from runnerly_common.probes import broker_check
from runnerly_common.service_client import ServiceSession, ServiceTokenClient
from runnerly_common.shared_store import open_shared_store
from runnerly_web import csrf, frontend
from runnerly_web.account.one_time_tokens import make_token_store
from runnerly_web.account.request_limits import make_request_limit
from runnerly_web.api import make_blueprint
from runnerly_web.dashboard import service as dashboard
from runnerly_web.dataservice_client import DataService
from runnerly_web.email_preferences import one_click
from runnerly_web.runner_tokens import SharedRunnerTokens
from runnerly_web.session_store import make_session_store
from runnerly_web.settings import WebSettings
from runnerly_web.sharing import page as shared_page
from runnerly_web.strava import views as strava_views
from runnerly_web.strava.oauth import StravaOAuth
from runnerly_web.strava.sync import SyncQueue
from runnerly_web.task_queue import TaskQueue
from runnerly_web.throttle import LoginThrottle, make_throttle

log = logging.getLogger(__name__)


def create_app(settings: WebSettings | None = None) -> Flask:
    settings = settings or WebSettings.load()
    app = runnerly_common.create_app("runnerly-web", settings)
    secret_key = settings.secret_key
    if not secret_key:  # production refuses to start without one (a secret setting)
        log.warning("RUNNERLY_WEB_SECRET_KEY is not set: sessions last until this process ends")
        secret_key = secrets.token_urlsafe(32)
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_NAME="session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_days),
    )
    if settings.trusted_proxies:
        # Not X-Forwarded-Host: the gateway passes a client's own through unchanged.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    # Request threads and the dashboard's workers share these clients' connections.
    connections = dashboard.dataservice_connections(settings.threads)
    tokens = ServiceTokenClient(
        settings.token_url,
        settings.client_id,
        settings.client_secret,
        audience="dataservice",
        scope=settings.service_scope,
        http=ServiceSession(retries=1, pool_size=connections),
    )
    dataservice = DataService(
        settings.dataservice_url,
        tokens,
        settings.user_scope,
        connections=connections,
        # With Redis, a runner's token serves every web process (decision 74).
        shared=SharedRunnerTokens(settings.redis_url) if settings.redis_url else None,
    )
    app.extensions["runnerly_web.dataservice"] = dataservice
    # The dashboard's parts are asked of the dataservice side by side (decision 68).
    app.extensions[dashboard.POOL] = dashboard.make_pool()
    app.extensions["runnerly_web.strava"] = StravaOAuth(
        settings.strava_oauth_url,
        settings.strava_client_id,
        settings.strava_client_secret,
        dataservice,
    )
    app.extensions["runnerly_web.sync"] = SyncQueue(settings.broker_url)
    app.extensions["runnerly_web.shared_store"] = open_shared_store(settings.shared_store)
    throttle = app.extensions["runnerly_web.throttle"] = make_throttle(
        settings.redis_url,
        settings.throttle_db,
        window=settings.login_window_seconds,
        per_account=settings.login_max_per_account,
        per_address=settings.login_max_per_address,
    )
    # Sessions live server-side too (web_session): the same store as the throttle's.
    app.extensions["runnerly_web.sessions"] = make_session_store(
        settings.redis_url,
        settings.throttle_db,
        idle=settings.session_days * 86400,
        absolute=settings.session_max_days * 86400,
    )
    # Account recovery: single-use links in the sessions' store, mail sent by the worker.
    app.extensions["runnerly_web.tokens"] = make_token_store(
        settings.redis_url, settings.throttle_db
    )
    app.extensions["runnerly_web.reset_limit"] = make_request_limit(
        settings.redis_url,
        settings.throttle_db,
        window=settings.password_reset_window_seconds,
        per_email=settings.password_reset_max_per_email,
        per_address=settings.password_reset_max_per_address,
    )
    app.extensions["runnerly_web.mail"] = TaskQueue(settings.broker_url)
    add_readiness_check(app, "dataservice", dataservice.ready)
    # Every call to the dataservice needs a token: can it get its own service token?
    add_readiness_check(app, "tokendealer", tokens.token)
    add_readiness_check(app, "throttle", lambda: _throttle_answers(throttle))
    if settings.broker_url:
        # Not required: with the broker down a new Strava link waits for beat's round
        # (strava/sync.py) rather than failing; cached, a probe storm cannot hammer it.
        check = broker_check(settings.broker_url)
        add_readiness_check(app, "broker", check, cache_seconds=5, required=False)
    csrf.init_app(app)
    app.register_blueprint(make_blueprint())
    app.register_blueprint(strava_views.make_blueprint())
    app.register_blueprint(one_click.make_blueprint())  # /unsubscribe/<token>, before the catch-all
    app.register_blueprint(shared_page.make_blueprint())  # /s/<token>, before the catch-all
    app.register_blueprint(frontend.make_blueprint())  # last: its catch-all page route
    return app


def _throttle_answers(throttle: LoginThrottle) -> bool:
    """Logins count failures in this store: one that does not answer fails every login."""
    throttle.counter.count("readiness")
    return True
