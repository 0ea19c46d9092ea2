"""User traffic through the gateway: runners logged in to runnerly-web who create races and
upload GPX files they made, each in a thread, for as long as a fault lasts.

A write that fails with a 5xx, a 429 or a broken connection is sent again after a moment,
as a runner would press the button again; a write that got a 2xx is recorded, and
:func:`missing_writes` later looks for every one of them.  Any other 4xx is the service's
fault (the requests are valid) and is recorded as unexpected.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter

PASSWORD = "plum violin 42 harbour"
RETRYABLE = {429, 500, 502, 503, 504}
_files = itertools.count()  # every upload a different run


class _FromAddress(HTTPAdapter):
    """Connections from one of this machine's addresses (a client of its own to a balancer
    that keys on it)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A browser on runnerly-web through the gateway: its session cookie, and the CSRF
    token read from ``GET /api/web/session`` and sent back as the dashboard does.
    ``source``: the address it connects from (default: the system's choice)."""

    def __init__(self, gateway: str, source: str = "") -> None:
        self.base = gateway
        self.http = requests.Session()
        if source:
            self.http.mount("http://", _FromAddress(source))
        self.csrf = ""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        response = self.http.request(
            method, self.base + path, headers=headers, timeout=15, **kwargs
        )
        if response.headers.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and "csrf_token" in body:
                self.csrf = body["csrf_token"]  # the session read, login and sign-up set it
        return response

    def patiently(self, method: str, path: str, timeout: float = 60, **kwargs: Any) -> Any:
        """The request, again while the suite answers 5xx/429 or not at all; the answer."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.request(method, path, **kwargs)
                if response.status_code not in RETRYABLE:
                    return response
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer in {timeout}s")
            time.sleep(0.5)

    def sign_up(self) -> tuple[str, int]:
        """A new account, logged in; its email and id."""
        self.patiently("GET", "/api/web/session")
        email = f"runner-{uuid.uuid4().hex[:10]}@chaos.example.org"
        body = {"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "Chaos"}
        response = self.patiently("POST", "/api/web/signup", json=body)
        assert response.status_code == 201, response.text
        return email, int(response.json()["user"]["id"])

    def log_in(self, email: str) -> None:
        self.patiently("GET", "/api/web/session")
        response = self.patiently(
            "POST", "/api/web/login", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text


def gpx_file(start: datetime, points: int = 30) -> bytes:
    """A run of ``points`` trackpoints 10 s apart, going north ~30 m at a time."""
    rows = []
    for i in range(points):
        when = (start + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f'<trkpt lat="{48.85 + i * 0.00027:.6f}" lon="2.35"><ele>35</ele>'
            f"<time>{when}</time></trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="runnerly-chaos" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Chaos loop</name><trkseg>{''.join(rows)}</trkseg></trk></gpx>\n"
    ).encode()


@dataclass(frozen=True)
class Write:
    kind: str  # "race" or "upload"
    account: str
    id: int
    what: str


@dataclass(frozen=True)
class Failure:
    """A request that got no 2xx (a 5xx, a 429, or no answer): when it was sent and ended."""

    started: float  # time.monotonic()
    ended: float
    what: str


@dataclass
class UserTraffic:
    """One thread per account, each writing until :meth:`stop`; with ``reads``, each also
    reads its races back after every write (an idempotent request a balancer may send to
    another node). ``sources``: the address each account connects from."""

    gateway: str
    accounts: list[str]
    accepted: list[Write] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    retried: int = 0  # writes that failed and were sent again
    browsers: dict[str, Browser] = field(default_factory=dict)
    reads: bool = False
    sources: dict[str, str] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    sent: Counter[str] = field(default_factory=Counter)  # times each race name was sent
    requests: int = 0  # every request sent, reads included
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for email in self.accounts:
            browser = Browser(self.gateway, self.sources.get(email, ""))
            browser.log_in(email)  # a fresh session each scenario, as a returning runner
            self.browsers[email] = browser
        for email, browser in self.browsers.items():
            thread = threading.Thread(target=self._run, args=(email, browser), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self, email: str, browser: Browser) -> None:
        for n in itertools.count():
            if self._stop.is_set():
                return
            if n % 2:
                name = f"Chaos {uuid.uuid4().hex[:8]}"
                body = {"name": name, "date": "2031-04-06", "distance": 10000}
                self._write(browser, email, "race", name, "/api/web/races", json=body)
                if self.reads:
                    self._read(browser)
            else:
                start = datetime(2024, 1, 1, 6, tzinfo=UTC) + timedelta(hours=next(_files))
                self._write(
                    browser,
                    email,
                    "upload",
                    start.isoformat(),
                    "/api/web/runs/import?filename=chaos.gpx",
                    data=gpx_file(start),
                    headers={"Content-Type": "application/octet-stream"},
                )
            time.sleep(0.2)

    def _write(
        self, browser: Browser, email: str, kind: str, what: str, path: str, **kwargs: Any
    ) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            with self._lock:
                self.requests += 1
                if kind == "race":
                    self.sent[what] += 1
            try:
                response = browser.request("POST", path, **kwargs)
            except requests.RequestException as exc:
                response = None
                self._failed(started, f"POST {path} {kind} {what}: {exc}")
            if response is not None and response.status_code not in (200, 201):
                self._failed(started, f"POST {path} {kind} {what}: {response.status_code}")
            if response is not None and response.status_code in (200, 201):
                with self._lock:
                    self.accepted.append(Write(kind, email, int(response.json()["id"]), what))
                return
            if response is not None and response.status_code not in RETRYABLE:
                with self._lock:
                    self.unexpected.append(f"{kind} {what}: {response.status_code} {response.text}")
                return
            with self._lock:
                self.retried += 1
            time.sleep(0.5)

    def _failed(self, started: float, what: str) -> None:
        with self._lock:
            self.failures.append(Failure(started, time.monotonic(), what))

    def _read(self, browser: Browser) -> None:
        started = time.monotonic()
        with self._lock:
            self.requests += 1
        try:
            response = browser.request("GET", "/api/web/races")
        except requests.RequestException as exc:
            self._failed(started, f"GET /api/web/races: {exc}")
            return
        if response.status_code != 200:
            self._failed(started, f"GET /api/web/races: {response.status_code}")


def missing_writes(traffic: UserTraffic) -> list[Write]:
    """The accepted writes the runner cannot find any more (through the gateway)."""
    missing = []
    for email, browser in traffic.browsers.items():
        mine = [w for w in traffic.accepted if w.account == email]
        races = browser.patiently("GET", "/api/web/races")
        assert races.status_code == 200, races.text
        race_ids = {race["id"]: race["name"] for race in races.json()["items"]}
        for write in mine:
            if write.kind == "race":
                if race_ids.get(write.id) != write.what:
                    missing.append(write)
            else:
                run = browser.patiently("GET", f"/api/web/runs/{write.id}")
                if run.status_code != 200 or run.json()["source"] != "file":
                    missing.append(write)
    return missing
