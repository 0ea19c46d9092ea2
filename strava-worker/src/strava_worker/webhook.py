"""Strava's push-subscription callback (``strava-webhook``, port 5005).

Strava wants the handshake answered within 2 s and each event acknowledged with a 200
within 2 s, so an event is only checked and enqueued here; ``handle_event`` does the work.

Strava does not sign events and anyone can POST here, so:

- a body that is not a well-formed event is a 400 naming the field (:mod:`event_schema`);
- an event of another subscription than the worker's (``WEBHOOK_SUBSCRIPTION_ID``, else
  the id ``subscribe_webhook`` kept in the store; with neither, every event) is ignored:
  logged, counted in ``strava_webhook_events_total{outcome}``, and answered 200 like an
  accepted one, so Strava does not retry it and a forger learns nothing about the id;
- an accepted event is only a hint: the worker confirms with Strava before it acts.

With Redis (the broker, or the store holding the subscription id) down, an event is
answered 503 ``unavailable`` with ``Retry-After`` within about a second (socket timeouts of
:data:`~strava_worker.webhook_queue.INTAKE_TIMEOUT`), logged once and counted as
``unavailable``: Strava sends it again, where a slow 500 made it give up.
"""

from __future__ import annotations

import hmac
import logging
import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Flask, abort, jsonify, request
from prometheus_client import Counter

from runnerly_common.app import create_app as create_base_app
from runnerly_common.errors import APIError
from runnerly_common.health import add_readiness_check
from runnerly_common.probes import broker_check
from runnerly_common.server import serve
from strava_worker.budget import Store
from strava_worker.event_schema import parse_event
from strava_worker.readiness import short_timeout_store
from strava_worker.redis_store import StoreUnavailable
from strava_worker.settings import WebhookSettings, WorkerSettings
from strava_worker.webhook_queue import INTAKE_TIMEOUT, BrokerQueue, BrokerUnavailable

log = logging.getLogger(__name__)
Enqueue = Callable[[dict[str, Any]], None]
SERVICE = "strava-webhook"
# The one answer to every event taken or ignored: no oracle for the subscription id.
RECEIVED = {"status": "received"}
# Seconds Strava is asked to wait before sending an event we could not take again.
RETRY_AFTER = "10"


@cache
def _events_counter() -> Counter:
    """Made on first use, after the server chose multiprocess mode (gunicorn workers), and
    in no registry: the toolkit's ``/metrics`` collects the workers' files."""
    return Counter(
        "strava_webhook_events",
        "Webhook events by outcome: queued, invalid, no_subscription, other_subscription, "
        "unavailable.",
        ["outcome"],
        registry=None,
    )


def _count(outcome: str) -> None:
    _events_counter().labels(outcome).inc()


def _unavailable(what: str, exc: Exception) -> APIError:
    """Ours, not the sender's: a 503 makes Strava try again (3 tries in all)."""
    log.error("webhook: event not taken, %s: %s", what, exc)
    _count("unavailable")
    return APIError(
        503, "unavailable", f"{what}; try again later", headers={"Retry-After": RETRY_AFTER}
    )


def create_app(
    settings: WorkerSettings, enqueue: Enqueue | None = None, store: Store | None = None
) -> Flask:
    app = create_base_app(SERVICE, settings)
    send = enqueue or BrokerQueue(settings)
    # The store keeping the subscription id (Redis, or the SQLite file), made on first use
    # with timeouts that fit in Strava's 2 s, for the events and the probe alike.
    event_store = cache(lambda: store or short_timeout_store(settings, INTAKE_TIMEOUT))

    def expected_subscription() -> int | None:
        if settings.webhook_subscription_id:
            return settings.webhook_subscription_id
        try:
            return event_store().subscription_id()
        except (StoreUnavailable, sqlite3.Error) as exc:
            raise _unavailable("the event store does not answer", exc) from None

    # Each event is only queued here: without the broker, Strava's events are refused.
    # Cached a few seconds, so frequent probes do not open a connection each.
    add_readiness_check(app, "broker", broker_check(settings.broker_url), cache_seconds=5)
    if not settings.webhook_subscription_id:
        # Without the store no event can be matched to the subscription (each is a 503).
        def store_answers() -> bool:
            event_store().subscription_id()
            return True

        add_readiness_check(app, "store", store_answers, cache_seconds=5)

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
        try:
            event = parse_event(request.get_json(silent=True))
        except APIError:
            _count("invalid")
            raise
        wanted = expected_subscription()
        if wanted != event["subscription_id"]:
            outcome = "no_subscription" if wanted is None else "other_subscription"
            _count(outcome)
            log.warning(
                "webhook event ignored: %s",
                outcome,
                extra={"subscription_id": event["subscription_id"], "expected": wanted},
            )
            return jsonify(RECEIVED)
        try:
            send(event)
        except BrokerUnavailable as exc:
            raise _unavailable("the event queue does not answer", exc) from None
        _count("queued")
        return jsonify(RECEIVED)

    return app


def main() -> None:
    settings = WebhookSettings.load()
    # gunicorn's own lines name the service as the app's do, not the settings' section.
    serve(lambda: create_app(settings), settings, proc_name=SERVICE)


if __name__ == "__main__":
    main()
