"""Runnerly's load generator: runners using the dashboard through the gateway.

Each locust user is one runner with its own browser session (cookie and CSRF token), so the
gateway and runnerly-web apply their per-client limits as they do in real use. The user logs
in (or signs up), then repeats the actions of the dashboard, weighted like real use, each one
sending the requests the React app sends for it (runnerly-web/frontend/src/api/endpoints.ts):

- ``open_dashboard``: the page, the session, the first screen (``/api/web/dashboard``), the
  first record's history;
- ``change_month``: the runs of a month of the last year and a half;
- ``view_run``: one run, and its track when it came from a file;
- ``upload_file``: a small GPX, a new run each time (a unique start time);
- ``sync``: "Sync now" and the status it shows (runners linked to Strava only).

Every action is also recorded as a whole (request type ``action``), so the statistics give
each action's time as a runner feels it beside each request's. 429s are the gateway's and
runnerly-web's intended answer to too much: they are counted apart, never as failures, and
written with every other status to ``RUNNERLY_LOAD_STATUS_FILE`` at the end.

Environment (locust's own ``LOCUST_HOST``, ``LOCUST_USERS``, ``LOCUST_SPAWN_RATE``,
``LOCUST_RUN_TIME``, ``LOCUST_HEADLESS`` set the run; ``benchmarks/soak/`` sets all of them):

- ``RUNNERLY_LOAD_RUNNERS``: a JSON file of runners (``[{"email", "password", "linked"}]``,
  and ``cookies``, a session already signed in, when the runner comes back with one),
  handed out one per user in order; without it, each user signs up a new runner (unlinked).
- ``RUNNERLY_LOAD_FORWARDED_FOR``: ``1`` gives each user an address of its own in
  ``X-Forwarded-For`` (10.77.x.y), for a gateway that trusts the load generator's address
  (``GATEWAY_TRUSTED_PROXIES``): hundreds of runners then come from hundreds of addresses.
- ``RUNNERLY_LOAD_WAIT``: seconds between two actions of a runner, ``low,high`` (``5,15``).
- ``RUNNERLY_LOAD_RESET_AFTER``: seconds after the start when the statistics start over
  (the warm-up); the status counts always cover the whole run.
- ``RUNNERLY_LOAD_STATUS_FILE``: where to write, at the end, the status counts per request
  and the failures (JSON).

Run: LOCUST_HOST=http://localhost:8080 .venv/bin/locust -f benchmarks/soak/locustfile.py \
         --headless -u 50 -r 10 -t 1m
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

API = "/api/web"
CSRF_HEADER = "X-CSRF-Token"
WEEKS_SHOWN = 12  # the dashboard's default span
MONTHS_BACK = 18  # how far back a runner browses months
LOGIN_ATTEMPTS = 5  # a runner whose sign-in fails tries again, then gives up

_low, _high = (float(x) for x in os.environ.get("RUNNERLY_LOAD_WAIT", "5,15").split(","))
_runners: list[dict[str, Any]] = (
    json.loads(Path(os.environ["RUNNERLY_LOAD_RUNNERS"]).read_text(encoding="utf-8"))
    if os.environ.get("RUNNERLY_LOAD_RUNNERS")
    else []
)
_next_runner = itertools.count()
_uploads = itertools.count()
_started = datetime.now(UTC).replace(second=0, microsecond=0)
# Over the whole run, never reset: (request name, status) -> count, 0 standing for no answer
# at all (a connection error); and each failure's request, status and message.
statuses: Counter[tuple[str, int]] = Counter()
problems: Counter[tuple[str, int, str]] = Counter()


def weeks_ago_monday(weeks: int, today: date | None = None) -> str:
    """The Monday the dashboard's weekly chart starts on (its weeksAgoMonday)."""
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    return (monday - timedelta(weeks=weeks - 1)).isoformat()


def gpx(start: datetime, points: int = 60) -> bytes:
    """A short run as a GPS watch writes it: a point every 10 s along a straight line."""
    lat, lon = 48.85 + random.uniform(-0.05, 0.05), 2.35 + random.uniform(-0.05, 0.05)
    rows = []
    for i in range(points):
        at = (start + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f'<trkpt lat="{lat + i * 0.0003:.6f}" lon="{lon + i * 0.0001:.6f}">'
            f"<ele>{35 + i % 7}</ele><time>{at}</time></trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="runnerly-load" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Load run</name><type>running</type><trkseg>{''.join(rows)}</trkseg></trk>"
        "</gpx>"
    ).encode()


class Runner(HttpUser):
    """One runner in one browser."""

    wait_time = between(_low, _high)

    def on_start(self) -> None:
        n = next(_next_runner)
        self.index = n
        self.run_ids: list[int] = []
        self.csrf = ""
        if os.environ.get("RUNNERLY_LOAD_FORWARDED_FOR") == "1":
            self.client.headers["X-Forwarded-For"] = f"10.77.{n // 250}.{n % 250 + 1}"
        self.client.headers["Accept"] = "application/json"
        # As a browser does: a GET sent on a kept-alive connection that the gateway closed
        # while the runner paused (30-90 s against nginx's 65 s keepalive_timeout) is sent
        # again once on a new connection. Only connection failures; every answer counts.
        self.client.mount(
            "http://",
            HTTPAdapter(
                max_retries=Retry(
                    total=1,
                    connect=1,
                    read=1,
                    redirect=0,
                    status=0,
                    other=0,
                    allowed_methods=frozenset({"GET", "HEAD"}),
                    raise_on_status=False,
                )
            ),
        )
        if n < len(_runners):
            runner = _runners[n]
            self.linked = bool(runner.get("linked"))
            if runner.get("cookies"):
                # Back with the session the seeding signed in (from this runner's address):
                # the dashboard asks for the session, which gives the CSRF token.
                for name, value in runner["cookies"].items():
                    self.client.cookies.set(name, value)
                self.session()
            else:
                self.log_in(runner["email"], runner["password"])
        else:
            self.linked = False
            self.sign_up()
        if not self.linked:  # "Sync now" is only offered to runners linked to Strava
            self.tasks = [t for t in self.tasks if t is not Runner.sync]

    # -- the requests ------------------------------------------------------------------

    def call(self, method: str, path: str, name: str | None = None, **kwargs: Any) -> Any:
        """One request, judged as the dashboard judges it; the JSON body, or None."""
        name = name or path
        if method != "GET":
            kwargs.setdefault("headers", {})[CSRF_HEADER] = self.csrf
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            statuses[(name, r.status_code)] += 1
            if r.status_code == 429:
                r.success()  # intended: counted apart, never an error
                return None
            if r.status_code >= 400 or r.status_code == 0:
                message = (r.text or str(getattr(r, "error", None) or ""))[:200]
                problems[(name, r.status_code, message)] += 1
                r.failure(f"{r.status_code} {message}")
                return None
            try:
                return r.json() if "json" in r.headers.get("Content-Type", "") else r.text
            except ValueError:
                r.failure("the answer is not JSON")
                return None

    def session(self) -> dict[str, Any] | None:
        body = self.call("GET", f"{API}/session")
        if isinstance(body, dict):
            self.csrf = body.get("csrf_token", self.csrf)
            return body
        return None

    def log_in(self, email: str, password: str) -> None:
        """Sign in as a runner does: a failed attempt (counted as a failure) is tried again
        after a pause, as a runner presses the button again, rather than going on to browse
        without a session and turning every later request into a 401."""
        for attempt in range(LOGIN_ATTEMPTS):
            if attempt:
                gevent.sleep(random.uniform(3, 6))
            self.session()
            body = self.call("POST", f"{API}/login", json={"email": email, "password": password})
            if isinstance(body, dict):
                self.csrf = body.get("csrf_token") or self.session_token()
                return
        raise StopUser  # the failures are on record; a runner who cannot sign in leaves

    def sign_up(self) -> None:
        self.session()
        tag = secrets.token_hex(6)
        body = self.call(
            "POST",
            f"{API}/signup",
            json={
                "email": f"load-{tag}@runnerly.invalid",
                "password": f"a long load passphrase {tag}",
                "first_name": "Load",
                "last_name": "Runner",
            },
        )
        if isinstance(body, dict):
            self.csrf = body.get("csrf_token") or self.session_token()

    def session_token(self) -> str:
        body = self.session()
        return body.get("csrf_token", "") if body else ""

    def action(self, name: str, started: float) -> None:
        """Record the whole action as one entry, as long as the runner waited for it."""
        self.environment.events.request.fire(
            request_type="action",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    # -- the actions ---------------------------------------------------------------------

    @task(10)
    def open_dashboard(self) -> None:
        started = time.perf_counter()
        self.call("GET", "/", headers={"Accept": "text/html"})
        self.session()
        # The first screen in one request (decision 68): summary, weeks, records, latest
        # runs, next session and race predictions, gathered by runnerly-web.
        first = self.call(
            "GET",
            f"{API}/dashboard?from={weeks_ago_monday(WEEKS_SHOWN)}",
            name=f"{API}/dashboard",
        )
        # Below it, the chart of the first record held, as the page draws it.
        records = first.get("records") if isinstance(first, dict) else None
        held = [e["distance"] for e in (records or {}).get("best_efforts", []) if e.get("best")]
        if held:
            self.call(
                "GET",
                f"{API}/stats/records/{held[0]}/history",
                name=f"{API}/stats/records/[distance]/history",
            )
        self.action("open dashboard", started)

    @task(6)
    def change_month(self) -> None:
        started = time.perf_counter()
        self.month()
        self.action("change month", started)

    def month(self) -> None:
        today = date.today()
        back = random.randrange(MONTHS_BACK)
        year, month = today.year, today.month - back
        while month < 1:
            year, month = year - 1, month + 12
        body = self.call("GET", f"{API}/runs/{year}/{month}", name=f"{API}/runs/[year]/[month]")
        if isinstance(body, dict):
            ids = [r["id"] for r in body.get("items", []) if "id" in r]
            self.run_ids = (ids + self.run_ids)[:200]

    @task(6)
    def view_run(self) -> None:
        started = time.perf_counter()
        if not self.run_ids:  # the runner reaches a run from a month's list
            self.month()
        if self.run_ids:
            run_id = random.choice(self.run_ids)
            run = self.call("GET", f"{API}/runs/{run_id}", name=f"{API}/runs/[id]")
            if isinstance(run, dict) and run.get("source") == "file":
                self.call("GET", f"{API}/runs/{run_id}/track", name=f"{API}/runs/[id]/track")
        self.action("view run", started)

    @task(1)
    def upload_file(self) -> None:
        started = time.perf_counter()
        # Unique per upload of this process: a minute apart, going back from the start.
        n = next(_uploads)
        start = _started - timedelta(days=1, minutes=n)
        run = self.call(
            "POST",
            f"{API}/runs/import?filename=load-{n}.gpx",
            name=f"{API}/runs/import",
            data=gpx(start),
            headers={"Content-Type": "application/octet-stream"},
        )
        if isinstance(run, dict) and "id" in run:
            self.run_ids.insert(0, run["id"])
        self.action("upload file", started)

    @task(2)
    def sync(self) -> None:
        started = time.perf_counter()
        self.call("POST", f"{API}/strava/sync", json={})
        self.call("GET", f"{API}/strava")
        self.action("sync", started)


@events.test_start.add_listener
def reset_after_warm_up(environment: Environment, **_: Any) -> None:
    """Statistics (not the status counts) start over after the warm-up, so the percentiles
    are those of the steady state, without the sign-in of every runner at once."""
    after = float(os.environ.get("RUNNERLY_LOAD_RESET_AFTER") or 0)
    if after > 0 and environment.runner is not None:
        gevent.spawn_later(after, environment.runner.stats.reset_all)


@events.test_stop.add_listener
def write_statuses(environment: Environment, **_: Any) -> None:
    path = os.environ.get("RUNNERLY_LOAD_STATUS_FILE")
    if not path:
        return
    counts = [{"name": n, "status": s, "count": c} for (n, s), c in sorted(statuses.items())]
    failed = [
        {"name": n, "status": s, "message": m, "count": c} for (n, s, m), c in problems.items()
    ]
    Path(path).write_text(
        json.dumps({"statuses": counts, "failures": failed}, indent=1), encoding="utf-8"
    )
