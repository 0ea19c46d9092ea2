"""GET /api/web/dashboard: the first screen in one answer, its parts asked of a real
dataservice side by side, always the session's runner's (decision 68)."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from runnerly_common.testing.servers import LiveServer
from runnerly_common.testing.services import Dataservice, Tokendealer
from runnerly_web.dashboard.service import POOL_THREADS

from .conftest import make_app, web_settings
from .helpers import Browser, fields_of, gpx_file

DELAY = 0.6  # seconds the slow dataservice below adds to each answer
PARTS = (
    "stats/summary",
    "stats/totals",
    "stats/records",
    "runs",
    "training/next",
    "vo2max/predictions",
)


def monday_weeks_ago(weeks: int) -> str:
    """The weekly chart's first day, as the dashboard computes it (weeksAgoMonday)."""
    today = date.today()
    return (today - timedelta(days=today.weekday(), weeks=weeks - 1)).isoformat()


def upload_recent_run(browser: Browser) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT07:00:00Z")
    response = browser.post(
        "/api/web/runs/import?filename=recent.gpx",
        data=gpx_file(start, points=200),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 201, response.json
    run: dict[str, Any] = response.json
    return run


def test_one_answer_holds_what_each_part_answers_alone(
    browser: Browser, runner: dict[str, Any]
) -> None:
    run = upload_recent_run(browser)
    race = browser.post(
        "/api/web/races", json={"name": "Lake 10k", "date": "2031-10-12", "distance": 10000}
    ).json
    start = monday_weeks_ago(12)
    answer = browser.get(f"/api/web/dashboard?from={start}")
    assert answer.status_code == 200, answer.json
    body = answer.json
    alone = {
        "summary": "/api/web/stats/summary",
        "weekly_totals": f"/api/web/stats/totals?period=week&from={start}",
        "records": "/api/web/stats/records",
        "recent_runs": "/api/web/runs?per_page=5",
        "next_session": "/api/web/training/next",
        "race_predictions": "/api/web/vo2max/predictions",
    }
    for part, path in alone.items():
        own = browser.get(path)
        assert own.status_code == 200, (path, own.json)
        assert body[part] == own.json, part
    assert body["unavailable"] == []
    # What the page shows from it: this runner's run, week and race.
    assert body["summary"]["all_time"]["count"] == 1
    assert [r["id"] for r in body["recent_runs"]["items"]] == [run["id"]]
    assert body["weekly_totals"]["from"] == start
    assert sum(b["count"] for b in body["weekly_totals"]["buckets"]) == 1
    assert body["next_session"]["race"]["id"] == race["id"]


def test_a_runner_sees_only_their_own_whatever_the_address_says(
    browser: Browser, runner: dict[str, Any], new_browser: Callable[[], Browser]
) -> None:
    upload_recent_run(browser)
    other = new_browser()
    other.sign_up()
    mine = other.get("/api/web/dashboard").json
    assert mine["summary"]["all_time"]["count"] == 0
    assert mine["recent_runs"]["items"] == [] and mine["recent_runs"]["total"] == 0
    assert mine["next_session"]["race"] is None
    # No parameter names a runner: one that tries is ignored, the answer still the session's.
    for query in (f"user_id={runner['id']}", f"runner={runner['id']}", f"id={runner['id']}"):
        answer = other.get(f"/api/web/dashboard?{query}")
        assert answer.status_code == 200, answer.json
        assert answer.json["summary"]["all_time"]["count"] == 0
        assert answer.json["recent_runs"]["total"] == 0
    assert browser.get("/api/web/dashboard").json["summary"]["all_time"]["count"] == 1


def test_without_a_session_it_is_401(new_browser: Callable[[], Browser]) -> None:
    answer = new_browser().get("/api/web/dashboard")
    assert answer.status_code == 401
    assert answer.json["code"] == "not_authenticated"


def test_a_bad_start_is_400_naming_it(browser: Browser, runner: dict[str, Any]) -> None:
    malformed = browser.get("/api/web/dashboard?from=2026-13-40")
    assert malformed.status_code == 400 and fields_of(malformed) == {"query.from"}
    # Well formed, but more weeks than the dataservice draws: its 400 is the answer's.
    too_far = browser.get("/api/web/dashboard?from=1990-01-01")
    assert too_far.status_code == 400, too_far.json
    assert fields_of(too_far) == {"query.from"}


# -- against a slow (and, on demand, failing) dataservice --------------------------------


@dataclass
class Seen:
    path: str
    request_id: str | None
    subject: str | None
    started: float
    ended: float = 0.0


@dataclass
class SlowDataservice:
    """A proxy in front of the real dataservice: each answer ``DELAY`` s late, and a 503
    for any path that ends with one of ``failing``. What it saw of each call is kept."""

    upstream: str
    failing: set[str] = field(default_factory=set)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ["PATH_INFO"]
        seen = Seen(path, environ.get("HTTP_X_REQUEST_ID"), _subject(environ), time.monotonic())
        time.sleep(DELAY)
        if any(path.endswith("/" + part) for part in self.failing):
            status, headers, body = 503, [("Content-Type", "application/json")], b"{}"
        else:
            query = environ.get("QUERY_STRING")
            length = int(environ.get("CONTENT_LENGTH") or 0)
            upstream = requests.request(
                environ["REQUEST_METHOD"],
                f"{self.upstream}{path}{'?' + query if query else ''}",
                headers={k: environ[h] for k, h in _FORWARDED.items() if h in environ},
                data=environ["wsgi.input"].read(length) if length else None,
                timeout=10,
            )
            status, body = upstream.status_code, upstream.content
            headers = [("Content-Type", upstream.headers.get("Content-Type", "application/json"))]
        seen.ended = time.monotonic()
        with self.lock:
            self.seen.append(seen)
        start_response(f"{status} X", headers)
        return [body]

    def parts_seen(self, since: float) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.started >= since and "/users/" in s.path]


_FORWARDED = {
    "Authorization": "HTTP_AUTHORIZATION",
    "X-Request-ID": "HTTP_X_REQUEST_ID",
    "Content-Type": "CONTENT_TYPE",
}


def _subject(environ: dict[str, Any]) -> str | None:
    """The ``sub`` of the bearer token (read, not verified: the dataservice verifies it)."""
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    subject = claims.get("sub")
    return str(subject) if subject is not None else None


@pytest.fixture(scope="module")
def slow(dataservice: Dataservice) -> Iterator[SlowDataservice]:
    proxy = SlowDataservice(dataservice.url)
    server = LiveServer(proxy)
    proxy.url = server.url  # type: ignore[attr-defined]
    yield proxy
    server.stop()


@pytest.fixture(scope="module")
def slow_app(
    tokendealer: Tokendealer,
    dataservice: Dataservice,
    sim: str,
    slow: SlowDataservice,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    work: Path = tmp_path_factory.mktemp("web-slow")
    settings = web_settings(
        tokendealer,
        dataservice,
        sim,
        work,
        login_max_per_address=10_000,
        dataservice_url=slow.url,  # type: ignore[attr-defined]
    )
    return make_app(settings)


@pytest.fixture
def slow_browser(slow_app: Flask, slow: SlowDataservice) -> Iterator[Browser]:
    browser = Browser(slow_app.test_client())
    browser.sign_up()
    browser.get("/api/web/dashboard")  # the session's check is made (and kept 30 s)
    yield browser
    slow.failing.clear()


def test_the_parts_are_asked_side_by_side_with_the_request_id(
    slow_browser: Browser, slow: SlowDataservice
) -> None:
    me = str(slow_browser.refresh()["user"]["id"])
    since = time.monotonic()
    answer = slow_browser.get(
        f"/api/web/dashboard?from={monday_weeks_ago(12)}",
        headers={"X-Request-ID": "dashboard-test-0001"},
    )
    elapsed = time.monotonic() - since
    assert answer.status_code == 200, answer.json
    assert answer.headers["X-Request-ID"] == "dashboard-test-0001"
    seen = slow.parts_seen(since)
    assert sorted(s.path.split(f"/users/{me}/")[1] for s in seen) == sorted(PARTS)
    # One after another they take six delays; side by side about one.
    assert elapsed < 2 * DELAY, f"{elapsed:.2f} s for six parts of {DELAY} s each"
    assert max(s.started for s in seen) < min(s.ended for s in seen), "the parts did not overlap"
    # Each part carries the browser's request id, and only this runner's token.
    assert {s.request_id for s in seen} == {"dashboard-test-0001"}
    assert {s.subject for s in seen} == {me}


def test_a_part_the_dataservice_cannot_answer_is_marked_unavailable(
    slow_browser: Browser, slow: SlowDataservice
) -> None:
    slow.failing.update({"stats/records", "vo2max/predictions"})
    answer = slow_browser.get("/api/web/dashboard")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["records"] is None and body["race_predictions"] is None
    assert [(u["part"], u["code"]) for u in body["unavailable"]] == [
        ("records", "service_unavailable"),
        ("race_predictions", "service_unavailable"),
    ]
    assert body["summary"]["all_time"]["count"] == 0  # the rest is answered
    assert body["recent_runs"]["items"] == []


def test_without_the_summary_the_whole_answer_is_503(
    slow_browser: Browser, slow: SlowDataservice
) -> None:
    slow.failing.add("stats/summary")
    answer = slow_browser.get("/api/web/dashboard")
    assert answer.status_code == 503
    assert answer.json["code"] == "service_unavailable"
    assert answer.headers["Retry-After"] == "5"


def test_a_burst_as_large_as_a_process_serves_discards_no_connection(
    slow_app: Flask, slow_browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    """Every request thread busy: enough of them on dashboards to fill the dashboard's pool,
    the others on a single call. Each held a connection to the dataservice at the same time;
    a pool smaller than that opens connections beyond it and discards them afterwards
    (urllib3's "Connection pool is full, discarding connection", a log line each)."""
    threads = slow_app.extensions["runnerly.settings"].threads
    dashboards = -(-POOL_THREADS // len(PARTS))
    paths = ["/api/web/dashboard"] * dashboards + ["/api/web/stats/summary"] * (
        threads - dashboards
    )
    assert len(paths) == threads > dashboards  # both kinds of request in the burst
    caplog.set_level(logging.WARNING, logger="urllib3.connectionpool")
    with ThreadPoolExecutor(threads) as request_threads:
        answers = list(request_threads.map(slow_browser.get, paths))
    assert [a.status_code for a in answers] == [200] * threads
    discarded = [r for r in caplog.records if "discarding connection" in r.getMessage()]
    assert discarded == [], f"{len(discarded)} connections discarded"
