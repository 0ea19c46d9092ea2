"""Soak: a thousand runners using the dashboard at once, through the gateway, for minutes.

Starts the whole stack as `make run` does (benchmarks/soak/stack.py: the Procfile under
honcho, with the dataservice on a throw-away PostgreSQL database, Redis for the broker, the
rate budget and the login throttle, and the gateway trusting X-Forwarded-For from this
machine), seeds ``--runners`` runners with a history of runs in bulk and links every
``--link-every``-th one to a strava-sim athlete (benchmarks/soak/seed.py), then runs the load
generator (benchmarks/soak/locustfile.py) headless: one runner per user, each from an address
of its own, arriving ``--spawn-rate`` a second and pausing ``--wait`` seconds between actions.
It samples the memory (RSS) and CPU time of every process of the stack
(benchmarks/soak/procs.py) before the load, after the warm-up and at the end, and prints per
action and per request p50/p95/p99, the error count (429s, which are intended, apart), the
errors the services logged, each process's memory growth from the warm-up to the end, and
the share of the gateway's wait on runnerly-web spent queueing in front of it (from the
services' /metrics, benchmarks/soak/metrics.py).

Exits 1 when a target is missed: a request failed (any answer >= 400 other than 429, or no
answer), a process grew by more than 10 % after the warm-up or ended during the load, or the
queueing share reached 5 %. The stack is always stopped (also on an error, Ctrl-C or
SIGTERM). It binds the development ports: run it under `flock /tmp/e2e.lock` where others
share the machine. Results: var/benchmarks/soak-<time>.json; locust's CSV and log and the
stack's log in var/bench-soak/.
Run: .venv/bin/python -m benchmarks.soak [--runners 1000] [--duration 15m] [--warmup 300]
     .venv/bin/python -m benchmarks.soak --quick   # 100 runners, 2 minutes
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common.repo import invocation
from benchmarks.soak.metrics import (
    calls_per_web_request,
    layers,
    scrape,
    time_split,
    web_queueing,
)
from benchmarks.soak.procs import cpu_busy, own, sample
from benchmarks.soak.seed import athletes_needed, seed
from benchmarks.soak.stack import ROOT, SoakStack, prepare_work, soak_env
from runnerly_common.testing.postgres import temporary_postgres_database
from runnerly_common.testing.redis import RedisServer

WORK = ROOT / "var" / "bench-soak"
RESULTS = ROOT / "var" / "benchmarks"
LOCUSTFILE = ROOT / "benchmarks" / "soak" / "locustfile.py"
GATEWAY = "http://127.0.0.1:8080"
MAX_GROWTH = 10.0  # % of a process's RSS after the warm-up
MAX_QUEUEING = 5.0  # % of the gateway's wait on runnerly-web (issue 21)
SAMPLE_EVERY = 15.0


def seconds(text: str) -> int:
    """locust's run time (``90``, ``90s``, ``10m``, ``1h30m``) in seconds."""
    if text.isdigit():
        return int(text)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"not a duration: {text}")
    h, m, s = (int(x or 0) for x in parts.groups())
    return h * 3600 + m * 60 + s


def memory(samples: list[Any]) -> dict[int, dict[str, Any]]:
    return {s.pid: {"name": s.name, "rss_kb": s.rss_kb, "cpu_s": s.cpu_s} for s in samples}


def run_locust(args: argparse.Namespace, runners_file: Path, stack: SoakStack) -> dict[str, Any]:
    """Run the load; sample the stack meanwhile. Returns the samples and locust's exit."""
    env = {
        **os.environ,
        "LOCUST_HOST": GATEWAY,
        "RUNNERLY_LOAD_RUNNERS": str(runners_file),
        "RUNNERLY_LOAD_FORWARDED_FOR": "1",
        "RUNNERLY_LOAD_WAIT": args.wait,
        "RUNNERLY_LOAD_STATUS_FILE": str(WORK / "statuses.json"),
        "RUNNERLY_LOAD_RESET_AFTER": str(args.warmup),
    }
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        *("-f", str(LOCUSTFILE), "--headless", "--only-summary"),
        *("-u", str(args.runners), "-r", str(args.spawn_rate), "-t", f"{args.duration}s"),
        *("--stop-timeout", "30", "--csv", str(WORK / "locust"), "--host", GATEWAY),
    ]
    assert stack.process is not None
    timeline = []
    start_cpu = cpu_busy()
    before = memory(sample(stack.process.pid))
    with (WORK / "locust.log").open("wb") as log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    started = time.monotonic()
    warm: dict[int, dict[str, Any]] | None = None
    warm_cpu, warm_locust = start_cpu, None
    warm_metrics: dict[Any, list[float]] = {}
    final: dict[str, Any] | None = None
    next_sample = 0.0
    try:
        while locust.poll() is None:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if warm is None and elapsed >= args.warmup:
                warm, warm_cpu = memory(sample(stack.process.pid)), cpu_busy()
                warm_locust = own(locust.pid)
                warm_metrics = scrape()
            if elapsed >= next_sample:
                rss = {s.name: s.rss_kb for s in sample(stack.process.pid)}
                # The machine's load: other work on it makes the CPU figures noisy.
                load = round(os.getloadavg()[0], 2)
                timeline.append({"t": round(elapsed), "load1": load, "rss_kb": rss})
                next_sample += SAMPLE_EVERY
            if final is None and warm is not None and elapsed >= args.duration - 3:
                # The end, while the last users still run.
                final = {
                    "end": memory(sample(stack.process.pid)),
                    "cpu": cpu_busy(),
                    "locust": own(locust.pid),
                    "metrics": scrape(),
                }
            if elapsed > args.duration + 120:
                raise RuntimeError("locust did not stop in time")
    finally:
        if locust.poll() is None:
            locust.send_signal(signal.SIGINT)
            try:
                locust.wait(60)
            except subprocess.TimeoutExpired:
                locust.kill()
                locust.wait()
    if warm is None:
        raise RuntimeError(f"the load ended before the warm-up; see {WORK / 'locust.log'}")
    if final is None:
        final = {
            "end": memory(sample(stack.process.pid)),
            "cpu": cpu_busy(),
            "locust": None,
            "metrics": scrape(),
        }
    window = final["cpu"][1] - warm_cpu[1]
    return {
        "before": before,
        "warm": warm,
        "end": final["end"],
        "timeline": timeline,
        "machine_busy": round((final["cpu"][0] - warm_cpu[0]) / window, 3) if window else None,
        "window_s": window / (os.cpu_count() or 1),
        "locust_cpu_s": round(final["locust"].cpu_s - warm_locust.cpu_s, 1)
        if final["locust"] and warm_locust
        else None,
        "locust_exit": locust.returncode,
        "time_split": time_split(warm_metrics, final["metrics"]),
    }


def stats_rows() -> list[dict[str, Any]]:
    path = WORK / "locust_stats.csv"
    if not path.exists():
        raise RuntimeError(f"locust wrote no statistics; see {WORK / 'locust.log'}")
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated" or row["Request Count"] == "0":
                continue  # a request no runner sent after the warm-up (the logins)
            rows.append(
                {
                    "type": row["Type"],
                    "name": row["Name"],
                    "count": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 2),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                    "max": round(float(row["Max Response Time"])),
                }
            )
    return rows


def growth(warm: dict[int, dict[str, Any]], end: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for pid, w in sorted(warm.items(), key=lambda kv: kv[1]["name"]):
        e = end.get(pid)
        rows.append(
            {
                "pid": pid,
                "name": w["name"],
                "warm_mb": round(w["rss_kb"] / 1024, 1),
                "end_mb": round(e["rss_kb"] / 1024, 1) if e else None,
                "growth_pct": round(100 * (e["rss_kb"] - w["rss_kb"]) / w["rss_kb"], 1)
                if e and w["rss_kb"]
                else None,
                "cpu_s": round(e["cpu_s"] - w["cpu_s"], 1) if e else None,
            }
        )
    rows.extend(
        {
            "pid": pid,
            "name": e["name"],
            "warm_mb": None,
            "end_mb": round(e["rss_kb"] / 1024, 1),
            "growth_pct": None,
            "cpu_s": None,
        }
        for pid, e in end.items()
        if pid not in warm
    )
    return rows


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    python = platform.python_version()
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {python}"
    )


def _cell(value: Any, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def load_during(timeline: list[dict[str, Any]], warmup: int) -> dict[str, float | None]:
    """The 1-minute load average sampled after the warm-up: mean and highest."""
    loads = [t["load1"] for t in timeline if t["t"] >= warmup and "load1" in t]
    return {
        "mean": round(sum(loads) / len(loads), 2) if loads else None,
        "max": max(loads) if loads else None,
    }


def report(result: dict[str, Any]) -> None:
    during = result["load_during"]
    print(
        f"machine: {result['machine']}; load average before: {result['load_before']}, "
        f"after the warm-up: mean {during['mean']}, highest {during['max']}"
    )
    seeded = ", ".join(f"{k} {v} s" for k, v in result["seed_steps_s"].items())
    print(
        f"{result['runners']} runners ({result['linked']} linked to Strava, "
        f"{result['runs_seeded']:,} runs seeded: {seeded}), arriving {result['spawn_rate']}/s "
        f"{'signed in by the seeding' if result['signed_in_by_seeding'] else 'to sign in'}, "
        f"{result['duration_s']} s, warm-up {result['warmup_s']} s, wait {result['wait']} s"
    )
    print(
        f"\nafter the warm-up: {'action / request':44} {'count':>7} {'req/s':>6} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}  (ms)"
    )
    for actions in (True, False):
        for row in result["stats"]:
            if (row["type"] == "action") != actions:
                continue
            label = row["name"] if actions else f"{row['type']} {row['name']}"
            print(
                f"{'':19}{label[:44]:44} {row['count']:>7} {row['rps']:>6} {row['p50']:>6.0f} "
                f"{row['p95']:>6.0f} {row['p99']:>6.0f} {row['max']:>6}"
            )
        print()
    e = result["errors"]
    print(
        f"whole run: {e['requests']} requests, errors other than 429: {e['errors']} "
        f"({e['error_rate_pct']} %), 429s {e['rate_limited']} ({e['rate_limited_pct']} %); "
        f"{e['steady_rps']} requests/s after the warm-up"
    )
    for s in result["statuses"]:
        if s["status"] >= 300 or s["status"] == 0:
            print(f"  {s['count']} x {s['status']} {s['name']}")
    for f in result["failures"][:10]:
        print(f"  failure: {f['count']} x {f['status']} {f['name']}: {f['message']}")
    print(f"error lines the services logged under load: {len(result['log_errors'])}")
    for line in result["log_errors"][:10]:
        print(f"  {line[:300]}")
    print(
        f"\n{'process':32} {'pid':>7} {'start MB':>9} {'warm MB':>8} {'end MB':>8} "
        f"{'growth':>7} {'CPU s':>7}"
    )
    for row in result["memory"]:
        start = result["memory_before_mb"].get(str(row["pid"]))
        print(
            f"{row['name'][:32]:32} {row['pid']:>7} {_cell(start):>9} "
            f"{_cell(row['warm_mb']):>8} {_cell(row['end_mb']):>8} "
            f"{_cell(row['growth_pct'], ' %'):>7} {_cell(row['cpu_s']):>7}"
        )
    top = result["largest_growth"]
    if top:
        print(
            f"largest growth after the warm-up: {top['growth_pct']:+.1f} % ({top['name']}, "
            f"{top['warm_mb']} -> {top['end_mb']} MB; target <= {MAX_GROWTH:.0f} %)"
        )
    m = result["machine_use"]
    print(
        f"\nfrom the warm-up to the end ({m['window_s']:.0f} s): the CPUs "
        f"{100 * (m['busy'] or 0):.0f} % busy (everything on the machine), "
        f"the stack {m['stack_cpu_s']} CPU s, "
        f"the load generator {m['locust_cpu_s']} CPU s"
    )
    q = result["web_queueing"]
    share = "not measured" if q["share_pct"] is None else f"{q['share_pct']} %"
    print(
        f"\nqueueing in front of runnerly-web after the warm-up: {share} "
        f"(target < {MAX_QUEUEING:.0f} %) = the gateway's wait on it {q['gateway_upstream_s']} s "
        f"less its handlers' {q['web_handlers_s']} s"
    )
    c = result["calls_per_web_request"]
    stack_cpu = result["machine_use"]["stack_cpu_s"]
    cpu_ms = round(1000 * stack_cpu / c["web_requests"], 1) if c["web_requests"] else None
    print(
        f"per runnerly-web request after the warm-up ({c['web_requests']:,}): "
        f"{c['dataservice']} dataservice requests (of which account reads "
        f"{c['dataservice_account_reads']}), {c['token_requests']} token requests, "
        f"{cpu_ms} ms of the stack's CPU"
    )
    print("\nwhere the requests' time went after the warm-up (each service's /metrics):")
    for name, spent in result["layers_s"].items():
        print(f"  {name:32} {spent:9.1f} s")
    print(f"  {'busiest routes':72} {'requests':>9} {'mean':>9} {'total':>9}")
    for row in result["time_split"][:12]:
        label = f"{row['service']} {row['part']} {row['route']}"
        print(
            f"  {label[:72]:72} {row['requests']:>9,} {row['mean_ms']:>7.1f}ms "
            f"{row['seconds']:>8.1f}s"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a development run: 100 runners, 2 minutes of which 45 s warm-up, 100 runs each "
        "(the options given beside it still win)",
    )
    parser.add_argument(
        "--runners", "--users", dest="runners", type=int, default=1000, help="at once (1000)"
    )
    # Runners come back with the session the seeding signed in, as a runner whose session is
    # days old does. With --sign-in each signs in through the gateway as it arrives instead:
    # an Argon2id hash by design (0.16 s of CPU and 64 MiB here) each, so 3 a second is half
    # a core, and on a shared 2-core machine that outran the dataservice (504s once a login
    # waited longer than its class's read timeout, and the runners' retries on top).
    parser.add_argument(
        "--sign-in",
        action="store_true",
        help="runners sign in through the gateway as they arrive (use --spawn-rate 3 or less)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=5, help="runners arriving per second (5)"
    )
    parser.add_argument("--duration", type=seconds, default=900, help="15m, 90s... (15m)")
    parser.add_argument(
        "--warmup", type=seconds, default=300, help="before the memory baseline (300 s)"
    )
    parser.add_argument("--runs", type=int, default=500, help="runs in each runner's history")
    parser.add_argument("--link-every", type=int, default=4, help="every n-th runner on Strava")
    # A runner on the dashboard is mostly reading it: a page, then tens of seconds before the
    # next click. What loads the stack is the sessions open at once and the requests they
    # make; 1,000 runners 30-90 s apart send about 17 actions a second (docs/performance.md).
    parser.add_argument("--wait", default="30,90", help="seconds between a runner's actions")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    quick = parser.parse_known_args(argv)[0].quick
    if quick:
        parser.set_defaults(runners=100, duration=120, warmup=45, runs=100)
    args = parser.parse_args(argv)
    if args.warmup >= args.duration:
        parser.error("--warmup must be shorter than --duration")
    if args.warmup < args.runners / args.spawn_rate:
        parser.error(
            f"--warmup must outlast the arrivals ({args.runners / args.spawn_rate:.0f} s at "
            f"--spawn-rate {args.spawn_rate}): the memory baseline is taken once all are in"
        )
    return args


def main() -> int:
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the stack, Redis and the database are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    prepare_work(WORK)
    admin_token = secrets.token_hex(16)
    with (
        temporary_postgres_database("runnerly_soak", keep=args.keep) as database_url,
        RedisServer(WORK / "redis") as redis,
    ):
        redis_url = redis.base_url
        env_file = WORK / "soak.env"
        values = soak_env(
            WORK,
            database_url,
            redis_url,
            athletes_needed(args.runners, args.link_every),
            admin_token,
        )
        env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        stack = SoakStack(WORK / "stack.log", env_file)
        try:
            stack.start()
            started = time.perf_counter()
            seeded = seed(
                stack.env(), args.runners, args.runs, args.link_every, signed_in=not args.sign_in
            )
            runners = seeded.runners
            seed_s = time.perf_counter() - started
            runners_file = WORK / "runners.json"
            runners_file.write_text(json.dumps(runners), encoding="utf-8")
            print(
                f"{len(runners)} runners and {seeded.runs:,} runs seeded in {seed_s:.0f} s "
                f"({seeded.seconds}); load for {args.duration} s",
                flush=True,
            )
            measured = run_locust(args, runners_file, stack)
            log_errors = stack.error_lines()
        finally:
            left = stack.stop()
        if args.keep:
            print(f"database kept: {database_url}")
    stats = stats_rows()
    outcome = json.loads((WORK / "statuses.json").read_text(encoding="utf-8"))
    statuses = outcome["statuses"]
    total = sum(s["count"] for s in statuses)
    errors = sum(s["count"] for s in statuses if s["status"] >= 400 and s["status"] != 429)
    errors += sum(s["count"] for s in statuses if s["status"] == 0)
    rate_limited = sum(s["count"] for s in statuses if s["status"] == 429)
    steady = [r for r in stats if r["type"] != "action"]
    memory_rows = growth(measured["warm"], measured["end"])
    grown = [m for m in memory_rows if m["growth_pct"] is not None]
    result = {
        "machine": machine(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": invocation(),
        "load_before": load_before,
        "runners": args.runners,
        "users": args.runners,  # the name of earlier results
        "linked": sum(1 for r in runners if r["linked"]),
        "runs_per_runner": args.runs,
        "runs_seeded": seeded.runs,
        "spawn_rate": args.spawn_rate,
        "signed_in_by_seeding": not args.sign_in,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "wait": args.wait,
        "seed_s": round(seed_s),
        "seed_steps_s": seeded.seconds,
        "load_during": load_during(measured["timeline"], args.warmup),
        "stats": stats,
        "errors": {
            "requests": total,
            "errors": errors,
            "error_rate_pct": round(100 * errors / total, 3) if total else None,
            "rate_limited": rate_limited,
            "rate_limited_pct": round(100 * rate_limited / total, 3) if total else None,
            "steady_rps": round(sum(r["rps"] for r in steady), 1),
        },
        "failures": outcome["failures"],
        "statuses": statuses,
        "log_errors": log_errors,
        "memory_before_mb": {
            str(pid): round(m["rss_kb"] / 1024, 1) for pid, m in measured["before"].items()
        },
        "memory": memory_rows,
        "largest_growth": max(grown, key=lambda m: m["growth_pct"]) if grown else None,
        "memory_timeline": measured["timeline"],
        "machine_use": {
            "busy": measured["machine_busy"],
            "window_s": measured["window_s"],
            "locust_cpu_s": measured["locust_cpu_s"],
            "stack_cpu_s": round(sum(r["cpu_s"] or 0 for r in memory_rows), 1),
        },
        "processes_left": left,
        # What each layer's own /metrics say it spent on requests after the warm-up.
        "layers_s": layers(measured["time_split"]),
        "time_split": measured["time_split"],
        "web_queueing": web_queueing(measured["time_split"]),
        "calls_per_web_request": calls_per_web_request(measured["time_split"]),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"soak-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    report(result)
    print(f"\nresults: {out.relative_to(ROOT)}")
    failed = []
    if errors:
        failed.append(f"{errors} failed requests (429s apart)")
    too_big = [r for r in result["memory"] if (r["growth_pct"] or 0) > MAX_GROWTH]
    failed += [
        f"{r['name']} (pid {r['pid']}) grew {r['growth_pct']} % after the warm-up" for r in too_big
    ]
    # A process that went away under load (a killed gunicorn worker, a crashed child).
    failed += [
        f"{r['name']} (pid {r['pid']}) ended during the load"
        for r in result["memory"]
        if r["warm_mb"] is not None and r["end_mb"] is None
    ]
    if left:
        failed.append(f"processes left after the stack stopped: {left}")
    share = result["web_queueing"]["share_pct"]
    if share is None:
        failed.append("no queueing share: the gateway's or runnerly-web's /metrics were not read")
    elif share >= MAX_QUEUEING:
        failed.append(f"queueing in front of runnerly-web {share} % (target < {MAX_QUEUEING} %)")
    for reason in failed:
        print(f"FAILED: {reason}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
