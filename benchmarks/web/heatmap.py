"""Heatmap benchmark (issue 20): a runner with 5,000 runs, each recorded as ~1,000 GPS points,
and their heatmap: the bytes the page downloads, the time the server takes to answer, and the
time from the navigation's start to the routes painted on the canvas in headless Chromium.

The runs: random walks of ``--points`` points ~10 m apart (a 10 km run) starting from one of a
few dozen places in one city, as a runner's runs start from home, work or a club; each stored
with the polyline the dataservice keeps for a file's track (``imports.summary.encode_polyline``:
at most 500 evenly spaced points), spread over three years, four in five of sport Run and the
rest TrailRun. They are loaded through ``POST /users/{id}/runs/batch`` of a live ``dataservice
serve`` (gunicorn, production settings) on a throw-away PostgreSQL database.

Measured:
- the DB layer: ``heatmap.service.heatmap`` (every route; one year; one sport), p50/p95/p99;
- over HTTP: ``GET /api/v1/users/{id}/heatmap`` with the runner's token, sequential, and the
  answer's size as sent and gzipped at level 5 (the gateway's ``gzip_comp_level``);
- in Chromium: the built dashboard (runnerly-web/frontend/dist: ``npm run build`` first)
  served by a small server in this process with the session and the heatmap answer (the
  dataservice's bytes, gzipped) in place of runnerly-web, so that only the page's own work and
  the transfer are timed, not the stack's hops. Painted = the canvas reports routes drawn
  (``data-drawn``) and a frame has gone by; the time from the navigation's start (HTML
  included), with the heatmap response's end from Resource Timing, so the split between
  download and decoding + drawing is shown. Every load is a new context with an empty cache,
  at two settings: a desktop (1280x800) at full speed, and a phone (390x844, DPR 3) with the
  CPU slowed 4x as ``benchmarks.web`` does; the network is emulated at ``--mbps`` (default 20)
  with ``--rtt-ms`` (40) of latency.

Targets (exit 1 naming the one missed): server p95 <= 500 ms, gzipped answer <= 4 MB,
desktop painted p95 <= 3 s.
Run: .venv/bin/python -m benchmarks.web.heatmap [--runs 5000] [--points 1000] [--loads 5] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import math
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from benchmarks.common.machine import busy_cpus, cpu_model, revision
from benchmarks.common.percentiles import percentiles
from benchmarks.common.repo import ROOT, invocation
from benchmarks.common.tokens import Tokens
from benchmarks.dataservice.server import served_dataservice
from runnerly_common.testing import SigningKey, new_key, sign_token, temporary_postgres_database
from runnerly_common.testing.chromium import CHROMIUM, CHROMIUM_ARGS

DIST = ROOT / "runnerly-web" / "frontend" / "dist"
SERVER_TARGET_MS = 500
BYTES_TARGET = 4 * 1024 * 1024
PAINT_TARGET_MS = 3000
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# Records when the canvas first reports routes drawn, one frame later (painted).
WATCH = """
(() => {
  new MutationObserver(() => {
    const canvas = document.querySelector('canvas[data-drawn]');
    if (window.__painted === undefined && canvas && Number(canvas.dataset.drawn) > 0) {
      window.__painted = -1;
      const mark = () => { window.__painted = performance.now(); };
      requestAnimationFrame(() => requestAnimationFrame(mark));
    }
  }).observe(document, { subtree: true, childList: true, attributes: true });
})();
"""


# --- the runs -------------------------------------------------------------------------------


def track(rng: random.Random, start: tuple[float, float], points: int) -> list[tuple[float, float]]:
    """A run's GPS points: a random walk ~10 m a step whose heading wanders, as streets turn."""
    lat, lon = start
    heading = rng.uniform(0, 2 * math.pi)
    out = []
    for _ in range(points):
        heading += rng.gauss(0, 0.12)
        lat += 10 * math.cos(heading) / 111_320
        lon += 10 * math.sin(heading) / (111_320 * math.cos(math.radians(lat)))
        out.append((lat, lon))
    return out


def generated_runs(count: int, points: int, seed: int) -> list[dict[str, Any]]:
    from dataservice.imports.model import TrackPoint
    from dataservice.imports.summary import encode_polyline

    rng = random.Random(seed)
    places = [
        (48.85 + rng.uniform(-0.04, 0.04), 2.35 + rng.uniform(-0.06, 0.06)) for _ in range(40)
    ]
    first = datetime(2024, 1, 1, 7, tzinfo=UTC)
    runs = []
    for i in range(count):
        coords = track(rng, rng.choice(places), points)
        stored = encode_polyline(
            [
                TrackPoint(t=j, lat=a, lon=b, ele=None, hr=None, dist=0.0)
                for j, (a, b) in enumerate(coords)
            ]
        )
        moving = int(points * 10 / 3.0)
        runs.append(
            {
                "source": "strava",
                "external_id": f"h{i}",
                "title": f"Run {i}",
                "start_time": (first + timedelta(days=i * 3 * 365 / count))
                .isoformat()
                .replace("+00:00", "Z"),
                "distance": points * 10.0,
                "moving_time": moving,
                "elapsed_time": moving + 60,
                "sport_type": "Run" if rng.random() < 0.8 else "TrailRun",
                "polyline": stored,
            }
        )
    return runs


def load(base_url: str, key: SigningKey, runner_id: int, runs: list[dict[str, Any]]) -> None:
    token = sign_token(
        key,
        audience="dataservice",
        subject="strava-worker",
        scope="runs:write",
        ttl=3600,
        client_id="strava-worker",
    )
    for i in range(0, len(runs), 500):
        answer = requests.post(
            f"{base_url}/api/v1/users/{runner_id}/runs/batch",
            json={"runs": runs[i : i + 500]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
        answer.raise_for_status()


# --- server ---------------------------------------------------------------------------------


FILTERS: dict[str, dict[str, Any]] = {
    "all": {},
    "one year": {"year": 2025},
    "one sport": {"sport": "TrailRun"},
}


def measure_db(database_url: str, runner_id: int, samples: int) -> dict[str, Any]:
    from dataservice.database import open_database
    from dataservice.heatmap.service import heatmap

    db = open_database(database_url)
    out: dict[str, Any] = {}
    try:
        for name, filters in FILTERS.items():
            times = []
            for i in range(samples + 2):
                with db.sessionmaker() as session:
                    started = time.perf_counter()
                    heatmap(session, runner_id, filters.get("year"), filters.get("sport"))
                    if i >= 2:  # warm-up
                        times.append(time.perf_counter() - started)
            out[name] = percentiles(times)
    finally:
        db.engine.dispose()
    return out


def measure_http(
    base_url: str, headers: dict[str, str], runner_id: int, samples: int
) -> tuple[dict[str, Any], bytes]:
    """Sequential GETs per filter; with the answer of every route (for the browser)."""
    out: dict[str, Any] = {}
    bodies: dict[str, bytes] = {}
    with requests.Session() as http:
        for name, filters in FILTERS.items():
            times: list[float] = []
            body = b""
            for i in range(samples + 2):
                started = time.perf_counter()
                response = http.get(
                    f"{base_url}/api/v1/users/{runner_id}/heatmap",
                    params=filters,
                    headers=headers,
                    timeout=60,
                )
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                body = response.content
                if i >= 2:
                    times.append(elapsed)
            answer = json.loads(body)
            out[name] = {
                **percentiles(times),
                "routes": len(answer["routes"]),
                "bytes": len(body),
                "gzip_bytes": len(gzip.compress(body, 5)),
            }
            bodies[name] = body
    return out, bodies["all"]


# --- Chromium -------------------------------------------------------------------------------


@contextmanager
def page_server(session: dict[str, Any], heatmap_body: bytes) -> Iterator[str]:
    """The built dashboard, the session and the heatmap answer (gzipped, as the gateway sends
    it) on a free local port."""
    index = (DIST / "index.html").read_bytes()
    session_body = json.dumps(session).encode()
    heatmap_gz = gzip.compress(heatmap_body, 5)
    assets: dict[str, bytes] = {}

    def gzipped(path: str) -> bytes:  # the assets as the gateway sends them
        if path not in assets:
            assets[path] = gzip.compress((DIST / path.lstrip("/")).read_bytes(), 5)
        return assets[path]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def send(self, body: bytes, kind: str, encoding: str | None = None) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/api/web/session":
                self.send(session_body, "application/json")
            elif path == "/api/web/heatmap":
                self.send(heatmap_gz, "application/json", "gzip")
            elif path.startswith("/assets/") and (DIST / path.lstrip("/")).is_file():
                kind = (
                    "text/javascript"
                    if path.endswith(".js")
                    else "text/css"
                    if path.endswith(".css")
                    else "application/octet-stream"
                )
                self.send(gzipped(path), kind, "gzip")
            elif path.startswith("/api/"):
                self.send_response(404)
                self.end_headers()
            else:
                self.send(index, "text/html")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def one_load(
    browser: Any, base: str, device: dict[str, Any], slowdown: float, mbps: float, rtt_ms: float
) -> dict[str, Any]:
    """A load's timings, or ``{"failed": what the page showed}`` when it never painted."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(base_url=base, **device)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": rtt_ms,
                "downloadThroughput": mbps * 125_000,
                "uploadThroughput": mbps * 125_000,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        page.add_init_script(WATCH)
        page.goto("/heatmap")
        try:
            page.wait_for_function("window.__painted > 0", timeout=120_000)
        except PlaywrightTimeout as exc:  # a load that never painted: told, not the run lost
            state = page.evaluate(
                "({url: location.href, painted: window.__painted,"
                " drawn: document.querySelector('canvas')?.dataset.drawn ?? null,"
                " text: document.querySelector('main')?.innerText.slice(0, 200) ?? null})"
            )
            return {"failed": f"{type(exc).__name__}: {state}"}
        painted = page.evaluate("window.__painted")
        response_end = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".find((e) => e.name.includes('/api/web/heatmap')).responseEnd"
        )
        drawn = int(page.locator("canvas[data-drawn]").get_attribute("data-drawn") or 0)
        return {
            "painted_ms": painted,
            "response_end_ms": response_end,
            "after_response_ms": painted - response_end,
            "drawn": drawn,
        }
    finally:
        context.close()


def measure_browser(body: bytes, loads: int, mbps: float, rtt_ms: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    if not (DIST / "index.html").is_file():
        raise SystemExit("no dashboard build: run `npm run build` in runnerly-web/frontend first")
    session = {
        "user": {
            "id": 1,
            "email": "bench@example.org",
            "first_name": "Bench",
            "last_name": None,
            "units": "metric",
            "is_admin": False,
        },
        "csrf_token": "bench",
        "strava": None,
    }
    settings: dict[str, tuple[dict[str, Any], float]] = {
        "desktop": (DESKTOP, 1.0),
        "phone, CPU 4x slower": (PHONE, 4.0),
    }
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in settings}
    with page_server(session, body) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            one_load(browser, base, DESKTOP, 1.0, mbps, rtt_ms)  # warm-up: the OS's file cache
            for _ in range(loads):  # interleaved: the machine's moods weigh on both alike
                for name, (device, slowdown) in settings.items():
                    samples[name].append(one_load(browser, base, device, slowdown, mbps, rtt_ms))
        finally:
            browser.close()
    out: dict[str, Any] = {}
    for name, loaded in samples.items():
        runs = [r for r in loaded if "failed" not in r]
        if not runs:
            out[name] = {"loads": 0, "failed": [r["failed"] for r in loaded]}
            continue
        painted = [r["painted_ms"] for r in runs]
        out[name] = {
            "loads": len(runs),
            "painted_p50_ms": statistics.median(painted),
            "painted_p95_ms": statistics.quantiles(painted, n=100, method="inclusive")[94]
            if len(painted) > 1
            else painted[0],
            "response_end_p50_ms": statistics.median(r["response_end_ms"] for r in runs),
            "after_response_p50_ms": statistics.median(r["after_response_ms"] for r in runs),
            "routes_drawn": runs[-1]["drawn"],
            "failed": [r["failed"] for r in loaded if "failed" in r],
        }
    return out


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument(
        "--points", type=int, default=1000, help="GPS points per run (stored: at most 500)"
    )
    parser.add_argument("--samples", type=int, default=30, help="timed requests per filter")
    parser.add_argument("--loads", type=int, default=5, help="page loads per setting")
    parser.add_argument("--mbps", type=float, default=20.0, help="emulated download speed")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="emulated latency")
    parser.add_argument("--seed", type=int, default=63)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    from dataservice.migrate import upgrade
    from dataservice.users import service as users

    busy = busy_cpus()
    key = new_key("ES256", "bench-heatmap")
    runs = generated_runs(args.runs, args.points, args.seed)
    stored_points = sum(len(__import__("polyline").decode(r["polyline"])) for r in runs[:50]) / 50
    with temporary_postgres_database("bench_heatmap") as url:
        upgrade(url)
        from dataservice.database import open_database

        db = open_database(url)
        with db.transaction() as session:
            runner_id = users.create_user(
                session, {"email": "heat@example.org", "first_name": "Heat"}
            ).id
        db.engine.dispose()
        with served_dataservice(url, key, workers=2) as service:
            started = time.perf_counter()
            load(service.url, key, runner_id, runs)
            load_s = time.perf_counter() - started
            headers = Tokens(key).runner(runner_id)
            over_http, body = measure_http(service.url, headers, runner_id, args.samples)
        at_db = measure_db(url, runner_id, args.samples)
    browser = measure_browser(body, args.loads, args.mbps, args.rtt_ms)

    result = {
        "machine": f"{cpu_model()}, commit {revision()}, CPUs busy before start: {busy:.0%}",
        "command": invocation(),
        "runs": args.runs,
        "points_per_run": args.points,
        "stored_points_per_run": round(stored_points),
        "load_seconds": round(load_s, 1),
        "db": at_db,
        "http": over_http,
        "browser": browser,
        "network": {"mbps": args.mbps, "rtt_ms": args.rtt_ms},
    }
    missed = []
    if over_http["all"]["p95_ms"] > SERVER_TARGET_MS:
        missed.append(f"server p95 {over_http['all']['p95_ms']:.0f} ms > {SERVER_TARGET_MS} ms")
    if over_http["all"]["gzip_bytes"] > BYTES_TARGET:
        missed.append(f"gzipped answer {over_http['all']['gzip_bytes']} B > {BYTES_TARGET} B")
    for name, b in browser.items():
        if b.get("failed"):
            missed.append(f"{name}: {len(b['failed'])} loads never painted: {b['failed'][0]}")
    if browser["desktop"].get("painted_p95_ms", 0) > PAINT_TARGET_MS:
        missed.append(
            f"desktop painted p95 {browser['desktop']['painted_p95_ms']:.0f} ms"
            f" > {PAINT_TARGET_MS} ms"
        )
    result["missed"] = missed
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"machine: {result['machine']}\ncommand: {result['command']}")
        print(
            f"{args.runs} runs of {args.points} points "
            f"(stored ~{result['stored_points_per_run']}), loaded in {result['load_seconds']} s"
        )
        for name in FILTERS:
            h, d = over_http[name], at_db[name]
            print(
                f"  {name:10} {h['routes']:5} routes  {h['bytes'] / 1e6:6.2f} MB"
                f" ({h['gzip_bytes'] / 1e6:5.2f} MB gzipped)"
                f"  DB p50/p95 {d['p50_ms']:.0f}/{d['p95_ms']:.0f} ms"
                f"  HTTP p50/p95 {h['p50_ms']:.0f}/{h['p95_ms']:.0f} ms"
            )
        for name, b in browser.items():
            if not b["loads"]:
                continue
            print(
                f"  {name}: painted p50 {b['painted_p50_ms']:.0f} ms,"
                f" p95 {b['painted_p95_ms']:.0f} ms (answer downloaded at"
                f" {b['response_end_p50_ms']:.0f} ms, decoded and drawn in"
                f" {b['after_response_p50_ms']:.0f} ms)"
            )
        for line in missed:
            print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
