"""Gateway benchmark: one gunicorn endpoint, direct and behind each front end, in one run.

Starts one endpoint under gunicorn (by default the dataservice's month query on a throw-away
PostgreSQL database, with runner tokens; ``--endpoint ping``: a few bytes of JSON), then in
front of it: our gateway (nginx + the Lua layer, WAF on, limits raised so that they run on
every request but never refuse), optionally the gateway with the WAF off, nginx with its
native ``limit_req``, and nginx with ModSecurity + CRS at paranoia level 1. It waits for the
machine to be idle, drives each with the same ``wrk`` load on loopback, interleaved round
by round, and prints median requests/s, p50, p99, the CPU each part spent per request, and
the ratios gateway/direct and gateway/CRS; then the rate precision under 3x overload.
Exits 1, naming it, when a target fails: gateway >= 0.85x direct, gateway above CRS, no
errors, the accepted rate within 5 %.
Run: .venv/bin/python -m benchmarks.gateway [--endpoint month|ping] [--json] [--help]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.common.machine import load_average, wait_for_idle
from benchmarks.common.repo import ROOT, invocation
from benchmarks.gateway import upstreams
from benchmarks.gateway.load import family, run_wrk, wrk_script
from benchmarks.gateway.precision import measure_precision
from benchmarks.gateway.servers import crs_missing, running_gateway, running_proxy, unlimited_limits

RATIO_TARGET = 0.85  # gateway / direct
PRECISION_TOLERANCE = 0.05
LABELS = {
    "direct": "direct to gunicorn",
    "gateway": "gateway: WAF on, limits on",
    "gateway_baseline": "gateway from --baseline-gateway",
    "gateway_waf_off": "gateway: WAF off, limits on",
    "nginx_limit_req": "nginx + native limit_req",
    "crs": "nginx + ModSecurity + CRS PL1",
}
REQUIRED = ("direct", "gateway", "crs")


# --- the servers ------------------------------------------------------------------------------


@contextlib.contextmanager
def endpoint(args: argparse.Namespace) -> Iterator[upstreams.Endpoint]:
    if args.endpoint == "ping":
        with upstreams.ping(args.upstream_workers, args.upstream_threads) as ping:
            yield ping
    else:
        with upstreams.month(
            args.upstream_workers,
            args.upstream_threads,
            args.runners,
            args.runs_per_runner,
            args.samples,
            args.seed,
        ) as month:
            yield month


def front_ends(
    stack: contextlib.ExitStack, tmp: Path, args: argparse.Namespace, upstream: str
) -> dict[str, tuple[str, int | None]]:
    """Each chosen front end started in front of ``upstream``: its base URL and master pid."""
    out: dict[str, tuple[str, int | None]] = {}
    workers = args.nginx_workers
    for name in args.targets:
        if name == "direct":
            continue
        prefix = tmp / name
        if name.startswith("gateway"):
            server = stack.enter_context(
                running_gateway(
                    prefix,
                    upstream,
                    workers=workers,
                    waf=name != "gateway_waf_off",
                    home=args.baseline_gateway if name == "gateway_baseline" else None,
                )
            )
        else:
            prefix.mkdir()
            server = stack.enter_context(
                running_proxy(
                    prefix,
                    upstream,
                    workers=workers,
                    modsecurity=name == "crs",
                    limit_req=name == "nginx_limit_req",
                )
            )
        out[name] = (server.base_url, server.pid)
    return out


# --- the measurement --------------------------------------------------------------------------


def measure(
    args: argparse.Namespace, point: upstreams.Endpoint, fronts: dict[str, tuple[str, int | None]]
) -> dict[str, list[dict[str, Any]]]:
    """Interleaved rounds: every target once per round, in the same order."""
    script = wrk_script(point.requests, Path(args.tmp) / "requests.lua")
    urls = {"direct": (point.base_url, None), **fronts}
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in args.targets}
    for round_no in range(args.repeats):
        for name in args.targets:
            url, front_pid = urls[name]
            if args.warmup:
                run_wrk(url, script, args.warmup, args.connections, args.threads)
            watch = {"gunicorn": family(point.pid)}
            if front_pid:
                watch["nginx"] = family(front_pid)
            if point.database_url:
                watch["postgres"] = point.postgres_pids()
            run = run_wrk(url, script, args.duration, args.connections, args.threads, watch)
            samples[name].append(run)
            print(
                f"  round {round_no + 1}/{args.repeats} {name:<16} {run['rps']:>9,.0f} req/s",
                file=sys.stderr,
            )
    return samples


def summarize(samples: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per target: the run with the median requests/s (its latency and CPU), the median,
    every run, and the median of the per-round ratios to direct (rounds ran back to back, so
    a ratio within a round cancels most of what other work did to that round)."""
    out: dict[str, dict[str, Any]] = {}
    for name, runs in samples.items():
        median = statistics.median(r["rps"] for r in runs)
        middle = min(runs, key=lambda r: abs(r["rps"] - median))
        cpu = {
            part: statistics.median(r["cpu_us"][part] for r in runs if part in r["cpu_us"])
            for part in middle["cpu_us"]
        }
        out[name] = {
            **middle,
            "cpu_us": cpu,
            "rps_median": median,
            "rps_all": [r["rps"] for r in runs],
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "socket_errors": "; ".join(r["socket_errors"] for r in runs if r["socket_errors"]),
        }
    for name, row in out.items():
        for base in ("direct", "crs"):
            rounds = [
                r["rps"] / b["rps"] for r, b in zip(samples[name], samples[base], strict=True)
            ]
            row[f"ratio_to_{base}"] = statistics.median(rounds)
            row[f"ratio_to_{base}_rounds"] = [round(x, 3) for x in rounds]
    return out


def check(results: dict[str, Any]) -> list[str]:
    """The failed targets, named."""
    rows = results["throughput"]
    failed = []
    gateway = rows["gateway"]
    if gateway["ratio_to_direct"] < RATIO_TARGET:
        failed.append(f"gateway/direct {gateway['ratio_to_direct']:.2f}x is below {RATIO_TARGET}x")
    if gateway["ratio_to_crs"] <= 1:
        failed.append(f"gateway/CRS {gateway['ratio_to_crs']:.2f}x is not above CRS")
    for name, row in rows.items():
        if row["non_2xx"] or row["socket_errors"]:
            failed.append(
                f"{name}: {row['non_2xx']} non-2xx answers, socket errors: "
                f"{row['socket_errors'] or 'none'}"
            )
    precision = results.get("precision")
    if precision:
        error = precision["overloading_client"]["error"]
        if abs(error) > PRECISION_TOLERANCE:
            failed.append(f"rate precision: accepted rate {error:+.1%} off")
        second = precision["second_client"]
        if second["accepted"] != second["sent"]:
            failed.append(f"rate precision: second client lost {second['refused']} requests")
    return failed


# --- the report -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def first_line(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().split("\n")[0]

    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "nginx": first_line("nginx", "-v").removeprefix("nginx version: "),
        "wrk": first_line("wrk", "--version"),
        "gunicorn": version("gunicorn"),
    }


def print_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(json.dumps(results["machine"]))
    start = results["start"]
    print(
        f"endpoint {args.endpoint} {json.dumps(results['endpoint'])}; "
        f"1-minute load average {start['loadavg_1m']:.2f} when the load started "
        f"(after waiting {start['waited_s']:.0f} s)"
    )
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s after {args.warmup} s "
        f"of warm-up; {args.repeats} interleaved rounds; gunicorn {args.upstream_workers} "
        f"workers x {args.upstream_threads} threads; nginx workers {args.nginx_workers or 'auto'}"
    )
    parts = ("nginx", "gunicorn", "postgres", "wrk", "rest", "machine")
    print(" " * 75 + "CPU µs per request (median of the rounds)")
    print(
        f"{'target':<31} {'req/s':>8} {'p50':>8} {'p99':>8} {'/direct':>8} {'/CRS':>6}  "
        + " ".join(f"{part:>8}" for part in parts)
    )
    for name, row in results["throughput"].items():
        cpu = row["cpu_us"]
        print(
            f"{LABELS[name]:<31} {row['rps_median']:>8,.0f} {row['p50_ms']:>6.2f}ms "
            f"{row['p99_ms']:>6.2f}ms {row['ratio_to_direct']:>7.2f}x "
            f"{row['ratio_to_crs']:>5.2f}x  "
            + " ".join(f"{cpu[part]:>8.0f}" if part in cpu else f"{'-':>8}" for part in parts)
        )
    gateway = results["throughput"]["gateway"]
    print(
        f"gateway / direct: {gateway['ratio_to_direct']:.2f}x (rounds "
        f"{gateway['ratio_to_direct_rounds']}); gateway / CRS: {gateway['ratio_to_crs']:.2f}x "
        f"(rounds {gateway['ratio_to_crs_rounds']})"
    )
    p = results.get("precision")
    if p:
        greedy, polite = p["overloading_client"], p["second_client"]
        print(
            f"rate precision (api class {p['rate']:g} r/s, burst {p['burst']}, nodelay, WAF on, "
            f"{p['seconds']:g} s): client at 3x sent {greedy['sent']}, accepted "
            f"{greedy['accepted']} = {greedy['accepted_per_s']:.2f}/s ({greedy['error']:+.1%} "
            f"off rate + burst/duration); second client at 0.5x: {polite['accepted']} of "
            f"{polite['sent']} accepted"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gateway", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--endpoint", choices=("month", "ping"), default="month", help="(default %(default)s)")
    add(
        "--targets",
        default=",".join(name for name in LABELS if name != "gateway_baseline"),
        help=f"comma-separated, from {', '.join(LABELS)} (default: all but gateway_baseline, "
        f"which --baseline-gateway adds; {', '.join(REQUIRED)} always run)",
    )
    add("--duration", type=int, default=5, help="seconds per wrk run (%(default)s)")
    add("--warmup", type=int, default=1, help="seconds of wrk before each run (%(default)s)")
    add("--repeats", type=int, default=5, help="interleaved rounds (%(default)s)")
    add("--connections", type=int, default=16, help="wrk connections (%(default)s)")
    add("--threads", type=int, default=1, help="wrk threads (%(default)s)")
    add("--upstream-workers", type=int, default=2, help="gunicorn workers (%(default)s)")
    add(
        "--upstream-threads",
        type=int,
        default=0,
        help="threads per gunicorn worker (0: the dataservice's own setting, as it ships; "
        "1: sync workers, as before decision 67)",
    )
    add("--nginx-workers", type=int, default=0, help="nginx workers, each front end (0: auto)")
    add("--runners", type=int, default=50, help="month: runners loaded (%(default)s)")
    add("--runs-per-runner", type=int, default=1000, help="month: runs each (%(default)s)")
    add("--samples", type=int, default=200, help="month: distinct requests (%(default)s)")
    add("--seed", type=int, default=5, help="month: seed of the data and requests")
    add("--idle-load", type=float, default=0.5, help="wait for a load average below this")
    add("--idle-wait", type=float, default=600, help="at most this many seconds (0: no wait)")
    add("--precision-rate", type=float, default=50, help="api rate for the 3x overload (r/s)")
    add("--precision-seconds", type=float, default=20, help="seconds of 3x overload (0: skip)")
    add(
        "--baseline-gateway",
        type=Path,
        metavar="DIR",
        help="also run the gateway from DIR (an nginx/ folder, e.g. from git archive of an "
        "older commit), WAF on: an interleaved before/after of gateway changes",
    )
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    chosen = {name.strip() for name in args.targets.split(",") if name.strip()}
    if args.baseline_gateway:
        chosen.add("gateway_baseline")
    elif "gateway_baseline" in chosen:
        parser.error("gateway_baseline needs --baseline-gateway DIR")
    unknown = chosen - set(LABELS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    args.targets = [name for name in LABELS if name in chosen or name in REQUIRED]
    if not args.upstream_threads:
        from dataservice.settings import DataServiceSettings

        args.upstream_threads = DataServiceSettings.load(environ={}).threads
    args.command = invocation()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(
                f"{tool} not found: apt-get install wrk nginx libnginx-mod-http-lua",
                file=sys.stderr,
            )
            return 2
    if reason := crs_missing():
        print(reason, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop the servers
    results: dict[str, Any] = {"machine": machine(), "command": args.command}
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp, endpoint(args) as point:
        args.tmp = tmp
        upstream = point.base_url.removeprefix("http://")
        results["endpoint"] = {"name": point.name, **point.about}
        with contextlib.ExitStack() as stack:
            fronts = front_ends(stack, Path(tmp), args, upstream)
            loadavg, waited = (
                wait_for_idle(args.idle_load, args.idle_wait)
                if args.idle_wait
                else (load_average(), 0.0)
            )
            results["start"] = {"loadavg_1m": loadavg, "waited_s": round(waited), "at": time.time()}
            samples = measure(args, point, fronts)
        results["throughput"] = summarize(samples)
        if args.precision_seconds:
            rate = args.precision_rate
            burst = max(1, int(rate / 5))
            shipped = json.loads((ROOT / "nginx/config/limits.json").read_text(encoding="utf-8"))
            limits = unlimited_limits(shipped)
            limits["classes"]["api"].update(rate=f"{rate:g}r/s", burst=burst, nodelay=True)
            with running_gateway(
                Path(tmp) / "precision", upstream, workers=args.nginx_workers, limits=limits
            ) as gateway:
                results["precision"] = measure_precision(
                    gateway.base_url, point.requests, rate, burst, args.precision_seconds
                )
    results["settings"] = {k: v for k, v in vars(args).items() if k not in {"tmp", "command"}}
    failed = check(results)
    results["failed"] = failed
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print_report(results, args)
    for reason in failed:
        print(f"FAIL: {reason}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
