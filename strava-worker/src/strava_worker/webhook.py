"""Strava's push-subscription callback (``strava-webhook``, port 5005).

Strava wants the handshake answered within 2 s and each event acknowledged with a 200
within 2 s, so an event is only checked and enqueued here; ``handle_event`` does the work.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request

from runnerly_common.app import create_app as create_base_app
from runnerly_common.health import add_readiness_check
from runnerly_common.probes import broker_check
from runnerly_common.server import serve
from strava_worker.settings import WorkerSettings

log = logging.getLogger(__name__)
Enqueue = Callable[[dict[str, Any]], None]
_REQUIRED = {"object_type", "object_id", "aspect_type", "owner_id"}


def _celery_enqueue(event: dict[str, Any]) -> None:
    from strava_worker.celery_app import app  # the worker's broker, loaded on first use
    from strava_worker.tasks import handle_event

    with app.connection_for_write():
        handle_event.apply_async(kwargs={"event": event})


def create_app(settings: WorkerSettings, enqueue: Enqueue | None = None) -> Flask:
    app = create_base_app("strava-webhook", settings)
    send = enqueue or _celery_enqueue
    # Each event is only queued here: without the broker, Strava's events are refused.
    # Cached a few seconds, so frequent probes do not open a connection each.
    add_readiness_check(app, "broker", broker_check(settings.broker_url), cache_seconds=5)

    @app.get("/webhook")
    def handshake() -> Any:
        token = request.args.get("hub.verify_token", "")
        expected = settings.webhook_verify_token
        if request.args.get("hub.mode") != "subscribe" or not expected:
            abort(400)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            abort(403)
        return jsonify({"hub.challenge": request.args.get("hub.challenge", "")})

    @app.post("/webhook")
    def receive() -> Any:
        event = request.get_json(silent=True)
        if not isinstance(event, dict) or not event.keys() >= _REQUIRED:
            abort(400)
        wanted = settings.webhook_subscription_id
        if wanted and event.get("subscription_id") != wanted:
            log.warning("event for subscription %s ignored", event.get("subscription_id"))
            abort(403)
        send(event)
        return jsonify({"status": "queued"})

    return app


def main() -> None:
    settings = WorkerSettings.load()
    serve(lambda: create_app(settings), settings)


if __name__ == "__main__":
    main()
