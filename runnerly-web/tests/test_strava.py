"""Connecting Strava: the OAuth round trip against a live strava-sim, with its refusals."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import redis
import requests
from flask import Flask

from runnerly_common.tasks import SYNC_RUNNER
from runnerly_web.strava.sync import SyncQueue

from .helpers import Browser

_athletes = iter(range(2, 19))  # strava-sim's athletes (conftest seeds 18)


def _start(browser: Browser) -> dict[str, str]:
    """``/strava/connect``: the query strava-sim's authorize page gets."""
    response = browser.get("/strava/connect")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["scope"] == "read,activity:read_all"
    assert len(query["state"]) >= 20
    return query


def _decide(sim: str, query: dict[str, str], decision: str, granted: str = "") -> str:
    """The runner's answer on strava-sim's page; returns where Strava sends the browser.

    An approval is played as an athlete who has granted ``granted`` before (the sim's admin
    grant) and comes back through the authorize URL, which Strava then approves at once:
    strava-sim's POST approval deadlocks on its SQLite database (see the package README),
    while the cancel button's POST writes nothing and works."""
    athlete = next(_athletes)
    params = {
        "client_id": query["client_id"],
        "redirect_uri": query["redirect_uri"],
        "response_type": "code",
        "state": query["state"],
        "athlete": str(athlete),
    }
    if decision == "cancel":
        form = {**params, "requested_scope": query["scope"], "decision": "cancel"}
        answer = requests.post(
            f"{sim}/oauth/authorize", data=form, allow_redirects=False, timeout=30
        )
    else:
        grant = requests.post(
            f"{sim}/admin/athletes/{athlete}/grant", json={"scope": granted}, timeout=30
        )
        assert grant.status_code == 200, grant.text
        # Asking for what was granted: the sim answers the way Strava reports a runner who
        # unticked the rest (the callback's ``scope`` is what was granted).
        params.update(scope=granted, approval_prompt="auto")
        answer = requests.get(
            f"{sim}/oauth/authorize", params=params, allow_redirects=False, timeout=30
        )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def _come_back(browser: Browser, callback: str) -> dict[str, str]:
    parts = urlsplit(callback)
    assert parts.path == "/strava/callback"
    response = browser.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302
    back = urlsplit(response.headers["Location"])
    assert back.path == "/"
    return {k: v[0] for k, v in parse_qs(back.query).items()}


def test_connect_stores_the_link_and_disconnect_revokes_it(
    browser: Browser, runner: dict[str, Any], sim: str
) -> None:
    query = _start(browser)
    outcome = _come_back(browser, _decide(sim, query, "authorize", "read,activity:read_all"))
    assert outcome["strava"] == "connected"
    status = browser.get("/api/web/strava").json
    assert status["connected"] is True
    assert status["sync_state"] == "pending" and status["runs_imported"] == 0
    assert "access_token" not in status and "refresh_token" not in status
    session = browser.refresh()
    assert session["strava"]["athlete_id"] == status["athlete_id"]

    # The tokens stored work on Strava until the runner disconnects.
    token = _stored_access_token(browser)
    athlete = requests.get(
        f"{sim}/api/v3/athlete", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert athlete.status_code == 200

    assert browser.delete("/api/web/strava").status_code == 204
    assert browser.get("/api/web/strava").json == {"connected": False}
    revoked = requests.get(
        f"{sim}/api/v3/athlete", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert revoked.status_code == 401
    assert browser.delete("/api/web/strava").status_code == 404


def _stored_access_token(browser: Browser) -> str:
    from flask import current_app

    from runnerly_web.extensions import strava_oauth

    app = browser.client.application
    with app.app_context():
        assert current_app
        user_id = browser.refresh()["user"]["id"]
        link = strava_oauth().link_of(user_id)
    assert link is not None
    return link["access_token"]


def test_a_denied_authorization_is_explained_and_stores_nothing(
    browser: Browser, runner: dict[str, Any], sim: str
) -> None:
    query = _start(browser)
    outcome = _come_back(browser, _decide(sim, query, "cancel"))
    assert outcome == {"strava": "access_denied"}
    assert browser.get("/api/web/strava").json == {"connected": False}


def test_partial_scopes_say_what_is_missing(
    browser: Browser, runner: dict[str, Any], sim: str
) -> None:
    query = _start(browser)
    outcome = _come_back(browser, _decide(sim, query, "authorize", "read"))
    assert outcome["strava"] == "missing_scope"
    assert outcome["granted"] == "read"
    assert "activity:read_all" in outcome["needed"] and "activity:read" in outcome["needed"]
    assert browser.get("/api/web/strava").json == {"connected": False}


def test_public_activities_only_is_enough(
    browser: Browser, runner: dict[str, Any], sim: str
) -> None:
    query = _start(browser)
    # The sim offers only what was asked; a runner may grant activity:read on real Strava.
    callback = _decide(sim, query, "authorize", "read,activity:read_all")
    parts = urlsplit(callback)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    params["scope"] = "read,activity:read"
    from urllib.parse import urlencode

    outcome = _come_back(browser, f"{parts.path}?{urlencode(params)}")
    assert outcome["strava"] == "connected"
    assert browser.get("/api/web/strava").json["scopes"] == "read,activity:read"


def test_a_wrong_or_replayed_state_is_refused(
    browser: Browser, new_browser: Any, runner: dict[str, Any], sim: str
) -> None:
    query = _start(browser)
    callback = _decide(sim, query, "authorize", "read,activity:read_all")
    forged = callback.replace(f"state={query['state']}", "state=forged-state-value")
    assert _come_back(browser, forged)["strava"] == "bad_state"
    # The state is used up by that attempt: the genuine callback is refused too.
    assert _come_back(browser, callback)["strava"] == "bad_state"
    # A callback that lands in another runner's session links nothing there.
    victim = new_browser()
    victim.sign_up()
    assert _come_back(victim, callback)["strava"] == "bad_state"
    assert victim.get("/api/web/strava").json == {"connected": False}
    assert browser.get("/api/web/strava").json == {"connected": False}


def test_connect_needs_a_login(new_browser: Any) -> None:
    response = new_browser().get("/strava/connect")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/?strava=login_required")


def _kwargs(message: dict[str, Any]) -> dict[str, Any]:
    """The task's keyword arguments, as the worker will decode them (JSON protocol 2)."""
    _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    return kwargs


def test_the_first_sync_is_enqueued_on_the_workers_broker(redis_url: str) -> None:
    """What the worker consumes: a ``sync_runner`` message for the runner, on the queue
    ``celery`` of the configured broker."""
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    assert SyncQueue(redis_url).enqueue_sync(4242)
    messages = broker.lrange("celery", 0, -1)
    assert len(messages) == 1
    message = json.loads(messages[0])
    assert message["headers"]["task"] == SYNC_RUNNER.name
    assert _kwargs(message) == {"user_id": 4242}
    broker.delete("celery")


def test_an_unreachable_broker_does_not_fail_the_connection() -> None:
    from runnerly_common.testing import free_port

    assert SyncQueue(f"redis://127.0.0.1:{free_port()}/0").enqueue_sync(1) is False
    assert SyncQueue("").enqueue_sync(1) is False


def test_connecting_enqueues_the_runners_sync(
    app_with_broker: Flask, redis_url: str, sim: str
) -> None:
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    browser = Browser(app_with_broker.test_client())
    runner = browser.sign_up()
    query = _start(browser)
    outcome = _come_back(browser, _decide(sim, query, "authorize", "read,activity:read_all"))
    assert outcome == {"strava": "connected", "sync": "started"}
    (message,) = broker.lrange("celery", 0, -1)
    assert _kwargs(json.loads(message)) == {"user_id": runner["id"]}
    broker.delete("celery")


def test_sync_now_queues_a_sync_under_the_clicks_request_id(
    app_with_broker: Flask, redis_url: str, sim: str
) -> None:
    broker = redis.Redis.from_url(redis_url)
    browser = Browser(app_with_broker.test_client())
    runner = browser.sign_up()
    assert browser.post("/api/web/strava/sync").status_code == 404  # not connected yet
    _come_back(browser, _decide(sim, _start(browser), "authorize", "read,activity:read_all"))
    broker.delete("celery")

    response = browser.post("/api/web/strava/sync", headers={"X-Request-ID": "sync-now-0123456"})

    assert response.status_code == 202, response.json
    assert response.json == {"status": "queued"}
    (message,) = (json.loads(m) for m in broker.lrange("celery", 0, -1))
    assert message["headers"]["task"] == SYNC_RUNNER.name
    assert message["headers"]["runnerly_request_id"] == "sync-now-0123456"
    assert _kwargs(message) == {"user_id": runner["id"]}
    broker.delete("celery")


def test_sync_now_without_a_reachable_queue_says_so(browser: Browser, app: Flask, sim: str) -> None:
    browser.sign_up()
    _come_back(browser, _decide(sim, _start(browser), "authorize", "read,activity:read_all"))
    queue = app.extensions["runnerly_web.sync"]
    app.extensions["runnerly_web.sync"] = SyncQueue("")
    try:
        response = browser.post("/api/web/strava/sync")
    finally:
        app.extensions["runnerly_web.sync"] = queue
    assert response.status_code == 503
    assert response.json["code"] == "sync_unavailable"


def test_sync_now_waits_for_the_cooldown_after_the_last_sync(
    app_with_broker: Flask, redis_url: str, sim: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from runnerly_web.extensions import strava_oauth

    browser = Browser(app_with_broker.test_client())
    runner = browser.sign_up()
    _come_back(browser, _decide(sim, _start(browser), "authorize", "read,activity:read_all"))
    settings = app_with_broker.extensions["runnerly.settings"]
    cooldown, settings.sync_cooldown_seconds = settings.sync_cooldown_seconds, 300
    synced = datetime.now(UTC) - timedelta(seconds=100)
    with app_with_broker.app_context():  # as the worker records a finished sync
        strava_oauth().dataservice.json(
            "PATCH",
            f"/users/{runner['id']}/strava",
            json={"sync_state": "idle", "last_sync_at": synced.isoformat()},
        )
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    try:
        response = browser.post("/api/web/strava/sync")
    finally:
        settings.sync_cooldown_seconds = cooldown

    assert response.status_code == 429
    assert response.json["code"] == "sync_too_soon"
    assert 195 <= int(response.headers["Retry-After"]) <= 200
    assert broker.llen("celery") == 0  # nothing queued, no Strava budget spent
