"""Strava's push subscription: one per application, pointing at ``strava-webhook``.

Set ``WEBHOOK_CALLBACK_URL`` and beat makes sure the subscription exists when it starts,
so a fresh development stack (strava-sim) receives events with no manual step.  Strava
validates the callback during the POST, so the webhook receiver must already answer.

Its id goes to the shared store: ``strava-webhook`` accepts only events that carry it
(anyone can POST an event, and Strava does not sign them).
"""

from __future__ import annotations

import requests

from strava_worker.budget import Store
from strava_worker.settings import WorkerSettings
from strava_worker.strava import ServerError, StravaError


def ensure_subscription(
    settings: WorkerSettings, store: Store | None = None, http: requests.Session | None = None
) -> int:
    """The subscription's id, created if the application has none; kept in ``store``."""
    found = _ensure(settings, http)
    if store is not None:
        store.set_subscription_id(found)
    return found


def _ensure(settings: WorkerSettings, http: requests.Session | None) -> int:
    http = http or requests.Session()
    url = settings.strava_api_url.rstrip("/") + "/push_subscriptions"
    auth = {"client_id": settings.strava_client_id, "client_secret": settings.strava_client_secret}
    try:
        existing = http.get(url, params=auth, timeout=10)
        if existing.status_code == 200 and existing.json():
            return int(existing.json()[0]["id"])
        created = http.post(
            url,
            data={
                **auth,
                "callback_url": settings.webhook_callback_url,
                "verify_token": settings.webhook_verify_token,
            },
            timeout=15,
        )
    except requests.RequestException as exc:
        raise ServerError(f"push_subscriptions unreachable: {exc}") from exc
    if created.status_code >= 500 or "callback" in created.text.lower():
        raise ServerError(f"subscription not created yet ({created.status_code})")
    if created.status_code != 201:
        raise StravaError(f"subscription refused ({created.status_code}): {created.text[:200]}")
    return int(created.json()["id"])
