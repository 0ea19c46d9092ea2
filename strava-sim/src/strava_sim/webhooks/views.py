"""``/api/v3/push_subscriptions``: one subscription per application, created only after
the callback answers Strava's validation GET with the challenge within 2 seconds."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from strava_sim.errors import bad_request, not_found
from strava_sim.models import Subscription
from strava_sim.oauth.grants import check_client
from strava_sim.service import Simulator, sim

HANDSHAKE_TIMEOUT = 2.0


def _params() -> dict[str, Any]:
    """Strava takes these as form fields or query parameters; JSON is accepted too."""
    return {**request.args, **request.form, **(request.get_json(silent=True) or {})}


def _describe(row: Subscription) -> dict[str, Any]:
    stamp = row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": row.id,
        "resource_state": 2,
        "application_id": row.client_id,
        "callback_url": row.callback_url,
        "created_at": stamp,
        "updated_at": stamp,
    }


def validate_callback(callback_url: str, verify_token: str) -> bool:
    """Strava's handshake: the callback must echo ``hub.challenge`` as JSON, in time."""
    challenge = secrets.token_urlsafe(12)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    try:
        response = requests.get(callback_url, params=params, timeout=HANDSHAKE_TIMEOUT)
        return response.status_code == 200 and response.json().get("hub.challenge") == challenge
    except (requests.RequestException, ValueError, AttributeError):
        return False


def make_blueprint() -> Blueprint:
    bp = Blueprint("push_subscriptions", __name__, url_prefix="/api/v3/push_subscriptions")

    @bp.post("")
    def create() -> tuple[dict[str, Any], int]:
        params, simulator = _params(), sim()
        client_id = check_client(
            simulator, params.get("client_id"), params.get("client_secret", "")
        )
        callback_url, verify_token = params.get("callback_url"), params.get("verify_token")
        if not callback_url or urlsplit(callback_url).scheme not in ("http", "https"):
            raise bad_request("PushSubscription", "callback_url")
        if not verify_token:
            raise bad_request("PushSubscription", "verify_token")
        if _existing(simulator, client_id) is not None:
            raise bad_request("PushSubscription", "", "already exists")
        if not validate_callback(callback_url, verify_token):
            raise bad_request(
                "PushSubscription", "callback url", "GET to callback URL does not return 200"
            )
        try:
            with simulator.db.transaction() as session:
                row = Subscription(
                    client_id=client_id,
                    callback_url=callback_url,
                    verify_token=verify_token,
                    created_at=simulator.utcnow(),
                )
                session.add(row)
                session.flush()
                return {"id": row.id}, 201
        except IntegrityError:  # a concurrent request created it first
            raise bad_request("PushSubscription", "", "already exists") from None

    @bp.get("")
    def list_subscriptions() -> list[dict[str, Any]]:
        params, simulator = _params(), sim()
        client_id = check_client(
            simulator, params.get("client_id"), params.get("client_secret", "")
        )
        row = _existing(simulator, client_id)
        return [_describe(row)] if row else []

    @bp.delete("/<int:subscription_id>")
    def remove(subscription_id: int) -> tuple[str, int]:
        params, simulator = _params(), sim()
        client_id = check_client(
            simulator, params.get("client_id"), params.get("client_secret", "")
        )
        with simulator.db.transaction() as session:
            row = session.get(Subscription, subscription_id)
            if row is None or row.client_id != client_id:
                raise not_found("PushSubscription")
            session.delete(row)
        return "", 204

    return bp


def _existing(simulator: Simulator, client_id: int) -> Subscription | None:
    with simulator.db.transaction() as session:
        return session.scalars(
            select(Subscription).where(Subscription.client_id == client_id)
        ).first()
