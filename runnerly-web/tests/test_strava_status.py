"""What the Sync page reads about a connected runner: the activities that were not imported,
and a link Strava no longer accepts (state ``reconnect``), which connecting again resumes."""

from __future__ import annotations

import json
from typing import Any

import redis
import requests
from flask import Flask

from runnerly_web.extensions import strava_oauth

from .helpers import Browser
from .test_strava import _athletes, _come_back, _kwargs, _start
from .test_strava_shared_athlete import SCOPE, _authorize_as

REFUSED = "Strava refused the refresh token: 400 invalid_grant"
# A backfill stopped half-way, as the worker records it.
PROGRESS = {
    "sync_state": "reconnect",
    "sync_error": REFUSED,
    "sync_cursor": "2026-11-20T07:00:00+00:00",
    "backfill_before": "2025-06-01T06:00:00+00:00",
    "backfill_page": 5,
    "pages_done": 4,
    "runs_imported": 800,
}


def _connect(browser: Browser, sim: str) -> tuple[int, int]:
    """Connect a fresh strava-sim athlete; (runner id, athlete id)."""
    athlete = next(_athletes)
    granted = requests.post(
        f"{sim}/admin/athletes/{athlete}/grant", json={"scope": SCOPE}, timeout=30
    )
    assert granted.status_code == 200, granted.text
    outcome = _come_back(browser, _authorize_as(sim, _start(browser), athlete))
    assert outcome["strava"] == "connected", outcome
    return browser.refresh()["user"]["id"], athlete


def _as_worker(app: Flask, method: str, path: str, body: dict[str, Any]) -> Any:
    """Write as the worker does (the web app's client may write Strava links too)."""
    with app.app_context():
        return strava_oauth().dataservice.json(method, path, json=body)


def _set_aside(app: Flask, user_id: int, items: list[dict[str, Any]]) -> None:
    """The worker's batch setting activities aside (here with the runner's own token)."""
    with app.app_context():
        answer = strava_oauth().dataservice.json(
            "POST",
            f"/users/{user_id}/runs/batch",
            runner=user_id,
            json={"runs": [], "set_aside": items},
        )
    assert answer["set_aside"] == len(items)


class TestNotImported:
    def test_the_status_lists_the_newest_twenty_with_reason_and_strava_link(
        self, app: Flask, browser: Browser, runner: dict[str, Any], sim: str
    ) -> None:
        user_id, _athlete = _connect(browser, sim)
        _set_aside(
            app,
            user_id,
            [
                {
                    "source": "strava",
                    "external_id": str(12345678901 + i),
                    "reason": "elapsed_time 4204800 s is outside what Runnerly stores",
                    "start_time": f"2026-10-{i + 1:02d}T06:00:00Z",
                    "title": f"Run {i}",
                }
                for i in range(22)
            ],
        )
        _set_aside(app, user_id, [{"source": "file", "external_id": "f-1", "reason": "odd"}])

        status = browser.get("/api/web/strava").json

        assert status["set_aside"]["total"] == 23
        items = status["set_aside"]["items"]
        assert len(items) == 20
        assert items[0] == {**items[0], "source": "file", "url": None, "title": None}
        strava = items[1]
        assert strava["url"] == f"https://www.strava.com/activities/{strava['external_id']}"
        assert strava["reason"] == "elapsed_time 4204800 s is outside what Runnerly stores"
        assert strava["title"].startswith("Run ")
        assert strava["start_time"].startswith("2026-10-")
        # The session (read on every page) carries the status without them.
        assert "set_aside" not in browser.refresh()["strava"]

    def test_nothing_set_aside_is_an_empty_list(
        self, browser: Browser, runner: dict[str, Any], sim: str
    ) -> None:
        _connect(browser, sim)
        assert browser.get("/api/web/strava").json["set_aside"] == {"items": [], "total": 0}


class TestReconnect:
    def test_a_link_strava_refused_explains_itself_and_sync_now_is_409(
        self, app: Flask, browser: Browser, runner: dict[str, Any], sim: str
    ) -> None:
        user_id, _athlete = _connect(browser, sim)
        _as_worker(app, "PATCH", f"/users/{user_id}/strava", PROGRESS)

        status = browser.get("/api/web/strava").json
        assert status["sync_state"] == "reconnect"
        assert status["error"] == REFUSED
        assert status["runs_imported"] == 800

        response = browser.post("/api/web/strava/sync")
        assert response.status_code == 409
        assert response.json["code"] == "reconnect_needed"
        assert "connect Strava again" in response.json["message"]

    def test_connecting_again_resumes_the_import_where_it_stopped(
        self, app_with_broker: Flask, redis_url: str, sim: str
    ) -> None:
        browser = Browser(app_with_broker.test_client())
        browser.sign_up()
        user_id, athlete = _connect(browser, sim)
        _as_worker(app_with_broker, "PATCH", f"/users/{user_id}/strava", PROGRESS)
        broker = redis.Redis.from_url(redis_url)
        broker.delete("celery")

        outcome = _come_back(browser, _authorize_as(sim, _start(browser), athlete))

        assert outcome == {"strava": "connected", "sync": "started"}
        (message,) = broker.lrange("celery", 0, -1)
        assert _kwargs(json.loads(message)) == {"user_id": user_id}
        broker.delete("celery")
        status = browser.get("/api/web/strava").json
        assert (status["sync_state"], status["error"]) == ("pending", None)
        with app_with_broker.app_context():
            link = strava_oauth().link_of(user_id)
        assert link is not None
        kept = {k: v for k, v in PROGRESS.items() if k not in ("sync_state", "sync_error")}
        assert {k: link[k] for k in kept} == kept  # the worker resumes, not starts over


class TestTheStravaPageTellsTheTruth:
    """The athlete named as Strava named them; after "Sync now" the state says a sync is
    on its way until the worker records its end (the page follows it, then shows the new
    "Last import")."""

    def test_the_status_names_the_connected_athlete_with_their_strava_profile(
        self, browser: Browser, runner: dict[str, Any], sim: str
    ) -> None:
        _user_id, athlete = _connect(browser, sim)
        known = {a["id"]: a for a in requests.get(f"{sim}/admin/athletes", timeout=10).json()}
        status = browser.get("/api/web/strava").json
        assert status["athlete"]["id"] == athlete
        assert status["athlete"]["name"] == (
            f"{known[athlete]['firstname']} {known[athlete]['lastname']}"
        )
        assert status["athlete"]["url"] == f"https://www.strava.com/athletes/{athlete}"
        # Disconnecting forgets the name with the link.
        assert browser.delete("/api/web/strava").status_code == 204
        assert browser.get("/api/web/strava").json == {"connected": False}

    def test_after_sync_now_the_state_is_syncing_until_the_worker_records_the_end(
        self, app_with_broker: Flask, redis_url: str, sim: str
    ) -> None:
        browser = Browser(app_with_broker.test_client())
        browser.sign_up()
        user_id, _athlete = _connect(browser, sim)
        earlier = "2026-01-01T06:00:00+00:00"  # long past the cooldown
        _as_worker(
            app_with_broker,
            "PATCH",
            f"/users/{user_id}/strava",
            {"sync_state": "idle", "last_sync_at": earlier},
        )
        broker = redis.Redis.from_url(redis_url)
        broker.delete("celery")

        assert browser.post("/api/web/strava/sync").status_code == 202
        # The old code left "idle" here: the page stopped asking and kept the old time.
        assert browser.get("/api/web/strava").json["sync_state"] == "syncing"
        assert broker.llen("celery") == 1
        broker.delete("celery")

        finished = "2026-12-07T10:00:00+00:00"
        _as_worker(  # as the worker's sync records its end
            app_with_broker,
            "PATCH",
            f"/users/{user_id}/strava",
            {"sync_state": "idle", "last_sync_at": finished},
        )
        status = browser.get("/api/web/strava").json
        assert status["sync_state"] == "idle"
        assert status["last_sync_at"].startswith("2026-12-07T10:00:00")

    def test_sync_now_during_an_import_leaves_its_state_alone(
        self, app_with_broker: Flask, redis_url: str, sim: str
    ) -> None:
        browser = Browser(app_with_broker.test_client())
        browser.sign_up()
        user_id, _athlete = _connect(browser, sim)
        _as_worker(
            app_with_broker, "PATCH", f"/users/{user_id}/strava", {"sync_state": "backfilling"}
        )
        broker = redis.Redis.from_url(redis_url)
        broker.delete("celery")
        assert browser.post("/api/web/strava/sync").status_code == 202
        broker.delete("celery")
        assert browser.get("/api/web/strava").json["sync_state"] == "backfilling"
