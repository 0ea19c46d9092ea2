"""Gateway benchmark: a service endpoint under gunicorn, direct and through the gateway.

Starts one upstream (a runnerly_common Flask app under gunicorn, sync workers, serving
``GET /api/v1/ping``), then the gateway (Debian's nginx + the Lua layer, rendered for the
local target into a temporary prefix, access log to a file) in front of it with generous
limits so that the limiters run but never refuse, with the WAF off and then on; drives each
with ``wrk`` on loopback, interleaved, and prints requests/s, p50, p99 and the ratio to
direct.  Run: .venv/bin/python benchmarks/gateway.py [--json] [--help]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from runnerly_common.testing import free_port

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/ping"
# Rates no benchmark reaches: the limiters do their work, and never say no.
UNLIMITED = {"rate": "1000000r/s", "burst": 1000000, "nodelay": True}


# --- the upstream -------------------------------------------------------------------------


def serve_upstream(port: int, workers: int) -> None:
    """The service endpoint, as every Runnerly service is served (runs in a child process)."""
    from runnerly_common import create_app
    from runnerly_common.server import serve
    from runnerly_common.settings import Settings

    settings = Settings.load(environ={}, port=port, workers=workers, log_level="WARNING")

    def load() -> Any:
        app = create_app("bench-upstream", settings)

        @app.get(PATH)
        def ping() -> dict[str, str]:
            return {"status": "ok", "service": "bench-upstream"}

        return app

    serve(load, settings)


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    for _ in range(300):  # 30 s
        if process.poll() is not None:
            break
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{what} not ready (exit status {process.poll()}), its log:\n{tail}")


@contextlib.contextmanager
def running(command: list[str], ready_url: str, log: Path, what: str) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    try:
        wait_ready(ready_url, process, log, what)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_gateway(
    tmp: Path, name: str, upstream: str, waf: bool, workers: int, api: dict | None = None
) -> Iterator[str]:
    """The gateway in front of ``upstream``; ``api``: the api class's limits (else none bite)."""
    from runnerly_gateway.render import nginx_command, prepare
    from runnerly_gateway.settings import GatewaySettings

    prefix = tmp / name
    limits = json.loads((ROOT / "nginx/config/limits.json").read_text(encoding="utf-8"))
    limits["classes"] = {route: dict(UNLIMITED) for route in limits["classes"]}
    if api:
        limits["classes"]["api"] = api
    limits["concurrency"] = {"max": 100000, "burst": 0}
    prefix.mkdir()
    (prefix / "limits.json").write_text(json.dumps(limits), encoding="utf-8")
    port = free_port()
    settings = GatewaySettings.load(
        environ={},
        target="local",
        prefix=str(prefix),
        port=port,
        workers=workers,
        waf=waf,
        limits_file=str(prefix / "limits.json"),
        access_log=str(prefix / "logs/access.log"),
        error_log=str(prefix / "logs/error.log"),
        dataservice_upstream=(upstream,),
    )
    command = nginx_command(settings, prepare(settings))
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/_gateway/healthz", prefix / "nginx.out", "gateway"):
        yield url
    errors = [
        line
        for line in (prefix / "logs/error.log").read_text(errors="replace").splitlines()
        if re.search(r"\[(error|crit|alert|emerg)\]", line)
    ]
    if errors:
        raise RuntimeError("the gateway logged errors:\n" + "\n".join(errors[:10]))


# --- wrk ------------------------------------------------------------------------------------


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    command = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", url,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


# --- rate precision -----------------------------------------------------------------------


def paced_client(
    url: str, source: str, rate: float, seconds: float, threads: int
) -> tuple[int, int, int]:
    """Send ``rate`` requests/s from ``source`` for ``seconds`` on a fixed schedule (not as fast
    as possible): returns (sent, accepted, refused)."""
    parts = urllib.parse.urlsplit(url)
    start = time.monotonic() + 0.2
    total = int(rate * seconds)

    def drive(offset: int) -> collections.Counter[int]:
        counts: collections.Counter[int] = collections.Counter()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, source_address=(source, 0))
        for i in range(offset, total, threads):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.request("GET", parts.path)
            response = conn.getresponse()
            response.read()
            counts[response.status] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(
                    parts.hostname, parts.port, source_address=(source, 0)
                )
        conn.close()
        return counts

    with ThreadPoolExecutor(threads) as pool:
        counts = sum(
            (f.result() for f in [pool.submit(drive, n) for n in range(threads)]),
            collections.Counter(),
        )
    return sum(counts.values()), counts[200], counts[429]


def measure_precision(base: str, rate: float, burst: int, seconds: float) -> dict[str, Any]:
    """One client at 3x the api class's rate, a second one at half of it, at the same time."""
    url = base + PATH
    with ThreadPoolExecutor(2) as pool:
        greedy = pool.submit(paced_client, url, "127.0.0.1", 3 * rate, seconds, 8)
        polite = pool.submit(paced_client, url, "127.0.0.2", rate / 2, seconds, 2)
        (sent, accepted, refused), (sent2, accepted2, refused2) = greedy.result(), polite.result()
    expected = rate + burst / seconds  # the burst is a one-off allowance on top of the rate
    return {
        "rate": rate,
        "burst": burst,
        "seconds": seconds,
        "overloading_client": {
            "sent": sent,
            "accepted": accepted,
            "refused": refused,
            "accepted_per_s": accepted / seconds,
            "error": accepted / seconds / expected - 1,
        },
        "second_client": {"sent": sent2, "accepted": accepted2, "refused": refused2},
    }


# --- the report -----------------------------------------------------------------------------


def busy_cpus(seconds: float = 2) -> float:
    """CPUs kept busy by other work, from /proc/stat's idle and iowait time over ``seconds``."""
    stat = Path("/proc/stat")
    before = [int(t) for t in stat.read_text().split()[1:9]]
    time.sleep(seconds)
    spent = [int(t) - b for t, b in zip(stat.read_text().split()[1:9], before, strict=True)]
    return len(os.sched_getaffinity(0)) * (1 - (spent[3] + spent[4]) / max(sum(spent), 1))


def versions() -> dict[str, str]:
    nginx_v = [shutil.which("nginx") or "nginx", "-v"]
    nginx = subprocess.run(nginx_v, capture_output=True, text=True, check=False).stderr
    wrk_v = [shutil.which("wrk") or "wrk", "--version"]
    wrk = subprocess.run(wrk_v, capture_output=True, text=True, check=False)
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "os": platform.platform(),
        "python": platform.python_version(),
        "nginx": nginx.strip().removeprefix("nginx version: "),
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0].strip(),
    }


def summarize(samples: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """The median run of each configuration (by requests/s)."""
    out = {}
    for name, runs in samples.items():
        median_rps = statistics.median(r["rps"] for r in runs)
        middle = min(runs, key=lambda r: abs(r["rps"] - median_rps))
        out[name] = {**middle, "rps_median": median_rps, "rps_all": [r["rps"] for r in runs]}
    # Runs were interleaved: a ratio per round cancels most of what other work on the machine
    # did to that round, so the median of those is the figure to trust.
    direct_runs = [r["rps"] for r in samples["direct"]]
    for name, row in out.items():
        rounds = [r["rps"] / d for r, d in zip(samples[name], direct_runs, strict=True)]
        row["ratio"] = statistics.median(rounds)
        row["ratio_rounds"] = rounds
        row["ratio_of_medians"] = row["rps_median"] / out["direct"]["rps_median"]
    return out


def print_table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{args.repeats} interleaved runs each (median shown; ratio: median of the rounds' "
        "ratios to direct)"
    )
    print(f"{'path':<34} {'req/s':>9} {'p50':>9} {'p99':>9} {'ratio':>7}")
    labels = {
        "direct": "direct to gunicorn",
        "gateway_waf_off": "gateway, limits on, WAF off",
        "gateway_waf_on": "gateway, limits on, WAF on",
    }
    for name, row in results.items():
        print(
            f"{labels[name]:<34} {row['rps_median']:>9,.0f} {row['p50_ms']:>7.2f}ms "
            f"{row['p99_ms']:>7.2f}ms {row['ratio']:>6.2f}x"
        )


def print_precision(p: dict[str, Any]) -> None:
    greedy, polite = p["overloading_client"], p["second_client"]
    print(
        f"rate precision (api class {p['rate']:g} r/s, burst {p['burst']}, nodelay, WAF on), "
        f"{p['seconds']:g} s:"
    )
    print(
        f"  client at 3x: {greedy['sent']} sent, {greedy['accepted']} accepted = "
        f"{greedy['accepted_per_s']:.2f}/s ({greedy['error']:+.1%} off rate + burst/duration)"
    )
    print(
        f"  second client at 0.5x: {polite['sent']} sent, {polite['accepted']} accepted, "
        f"{polite['refused']} refused"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    add("--warmup", type=int, default=1, help="seconds of wrk before each measured run (default 1)")
    add("--repeats", type=int, default=3, help="interleaved runs per configuration (default 3)")
    add("--connections", type=int, default=16, help="wrk connections (default 16)")
    add("--threads", type=int, default=2, help="wrk threads (default 2)")
    add("--upstream-workers", type=int, default=2, help="gunicorn workers (default 2)")
    add("--gateway-workers", type=int, default=0, help="nginx workers (default 0: auto)")
    add("--no-waf", action="store_true", help="skip the WAF-on configuration")
    add("--precision-rate", type=float, default=50, help="api rate for the 3x overload (r/s)")
    add("--precision-seconds", type=float, default=20, help="seconds of 3x overload (0: skip)")
    add("--json", action="store_true", help="print the results as JSON")
    add("--serve-upstream", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_upstream:
        serve_upstream(args.serve_upstream, args.upstream_workers)
        return 0
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(
                f"{tool} not found: apt-get install wrk nginx libnginx-mod-http-lua",
                file=sys.stderr,
            )
            return 2

    busy = busy_cpus()
    if busy > 0.3:
        print(f"warning: {busy:.1f} CPUs busy with other work before the run", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # unwind: stop the servers
    samples: dict[str, list[dict[str, float]]] = {"direct": [], "gateway_waf_off": []}
    if not args.no_waf:
        samples["gateway_waf_on"] = []
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        upstream_cmd = [
            sys.executable, __file__, "--serve-upstream", str(port),
            "--upstream-workers", str(args.upstream_workers),
        ]  # fmt: skip
        direct = f"http://127.0.0.1:{port}{PATH}"
        with contextlib.ExitStack() as stack:
            stack.enter_context(running(upstream_cmd, direct, tmp / "upstream.log", "upstream"))
            urls = {"direct": direct}
            for name in samples:
                if name.startswith("gateway"):
                    base = stack.enter_context(
                        running_gateway(
                            tmp,
                            name,
                            f"127.0.0.1:{port}",
                            name.endswith("on"),
                            args.gateway_workers,
                        )
                    )
                    urls[name] = base + PATH
            for _ in range(args.repeats):
                for name, url in urls.items():
                    if args.warmup:
                        run_wrk(url, args.warmup, args.connections, args.threads)
                    samples[name].append(
                        run_wrk(url, args.duration, args.connections, args.threads)
                    )
            precision = None
            if args.precision_seconds:
                rate = args.precision_rate
                burst = max(1, int(rate / 5))
                api = {"rate": f"{rate:g}r/s", "burst": burst, "nodelay": True}
                base = stack.enter_context(
                    running_gateway(
                        tmp, "precision", f"127.0.0.1:{port}", True, args.gateway_workers, api
                    )
                )
                precision = measure_precision(base, rate, burst, args.precision_seconds)
    results = summarize(samples)
    report = {
        "machine": {**versions(), "busy_cpus_before": round(busy, 2)},
        "settings": vars(args),
        "results": results,
        "precision": precision,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(json.dumps(report["machine"]))
        print_table(results, args)
        if precision:
            print_precision(precision)
    failures = [name for name, row in results.items() if row["non_2xx"] or row["socket_errors"]]
    if failures:
        print(f"non-2xx answers or socket errors in: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
