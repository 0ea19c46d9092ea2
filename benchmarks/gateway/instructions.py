"""Instructions per proxied request in nginx's own process, counted by callgrind: a figure
that does not depend on what else the machine runs (decision 73).

Each front end runs as one nginx process (``master_process off``, one worker) under
``valgrind --tool=callgrind`` in front of the same upstream, a plain nginx answering every
path with a fixed 21 KB JSON body (the month endpoint's median size; the upstream's own work
is not counted). A client sends the benchmark's kind of request (named Host, python-requests
User-Agent, Accept, a bearer token with a subject) on one keep-alive connection: first
``--warmup`` requests (LuaJIT compiles its traces, caches fill), then callgrind's counters are
zeroed, ``--requests`` more are sent, and the counters dumped. Front ends: a plain nginx proxy
(combined access log, upstream keep-alive: what any nginx costs), our gateway with the WAF
on and off (limits raised out of reach, as ``benchmarks.gateway`` runs them), and with
``--baseline-gateway DIR`` an older nginx/ folder, WAF on, for a before/after in one run.
Up to two run at a time (callgrind is one thread each).

User space only: the kernel's part (sockets, the log write) is not in these counts; LuaJIT's
garbage collection and trace compilation are, which makes counts vary by a few percent from
run to run (``--rounds`` repeats and reports each).
Run: .venv/bin/python -m benchmarks.gateway.instructions [--baseline-gateway DIR] [--json]
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common.repo import ROOT, invocation
from benchmarks.gateway.servers import _user_line, unlimited_limits
from runnerly_common.testing import free_port

BODY_BYTES = 21_000


def _tool(name: str) -> str:
    return shutil.which(name) or name


_UPSTREAM_CONF = """\
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type application/json;
            root {prefix};
            rewrite ^ /body.json break;
        }}
    }}
}}
"""
_PLAIN_CONF = """\
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    upstream backend {{
        server {upstream};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /_gateway/healthz {{
            access_log off;
            return 200 "ok";
        }}
        location / {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Request-ID $request_id;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_pass http://backend;
        }}
    }}
}}
"""
LABELS = {
    "plain": "nginx proxy, no Lua",
    "gateway": "gateway: WAF on, limits on",
    "gateway_waf_off": "gateway: WAF off, limits on",
    "gateway_baseline": "gateway from --baseline-gateway",
}


def _headers() -> dict[str, str]:
    def part(claims: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    token = ".".join(
        (part({"alg": "ES256", "kid": "k1"}), part({"sub": "7", "aud": "dataservice"}), "A" * 86)
    )
    return {
        "Host": "runnerly.example",
        "User-Agent": "python-requests/2.32.3",
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
    }


@contextlib.contextmanager
def upstream(tmp: Path) -> Iterator[str]:
    prefix = tmp / "upstream"
    (prefix / "tmp").mkdir(parents=True)
    (prefix / "body.json").write_text(json.dumps({"runs": "x" * (BODY_BYTES - 12)}))
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(_UPSTREAM_CONF.format(user=_user_line(), prefix=prefix, port=port))
    process = subprocess.Popen(
        [_tool("nginx"), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
         "-g", "daemon off;"],
    )  # fmt: skip
    try:
        _wait(port, "/", timeout=20)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


def _wait(port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _front_end_conf(name: str, prefix: Path, upstream_at: str, home: Path, port: int) -> Path:
    (prefix / "logs").mkdir(parents=True)
    (prefix / "tmp").mkdir()
    if name == "plain":
        conf = prefix / "nginx.conf"
        conf.write_text(
            _PLAIN_CONF.format(user=_user_line(), prefix=prefix, upstream=upstream_at, port=port)
        )
        return conf
    from runnerly_gateway.render import prepare
    from runnerly_gateway.settings import GatewaySettings

    limits = unlimited_limits(json.loads((home / "config/limits.json").read_text()))
    (prefix / "limits.json").write_text(json.dumps(limits))
    settings = GatewaySettings.load(
        environ={},
        target="local",
        home=str(home),
        prefix=str(prefix),
        port=port,
        status_port=free_port(),
        workers=1,
        waf=name != "gateway_waf_off",
        limits_file=str(prefix / "limits.json"),
        access_log=str(prefix / "logs/access.log"),
        error_log=str(prefix / "logs/error.log"),
        dataservice_upstream=(upstream_at,),
    )
    return prepare(settings)


def count(name: str, home: Path, tmp: Path, upstream_at: str, args: argparse.Namespace) -> float:
    """Instructions per request of one front end, in one callgrind run."""
    prefix = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
    port = free_port()
    conf = _front_end_conf(name, prefix, upstream_at, home, port)
    out = prefix / "callgrind.out"
    command = [
        _tool("valgrind"), "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
        _tool("nginx"), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log"),
        "-g", "daemon off; master_process off;",
    ]  # fmt: skip
    log = (prefix / "valgrind.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(port, "/_gateway/healthz", timeout=300)
        headers = _headers()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def send(n: int) -> None:
            for i in range(n):
                conn.request("GET", f"/api/v1/runs/{1 + i % 50}/2026/{1 + i % 12}", headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{name}: answered {response.status}")

        send(args.warmup)
        subprocess.run(
            [_tool("callgrind_control"), "-z", str(process.pid)], check=True, capture_output=True
        )
        send(args.requests)
        subprocess.run(
            [_tool("callgrind_control"), "-d", "measured", str(process.pid)],
            check=True,
            capture_output=True,
        )
    finally:
        process.terminate()
        process.wait()
        log.close()
    for dump in sorted(prefix.glob("callgrind.out*")):
        text = dump.read_text(errors="replace")
        if "measured" in text[:4000]:
            for line in text.splitlines():
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1]) / args.requests
    raise RuntimeError(f"{name}: no callgrind dump of the measured requests in {prefix}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gateway.instructions", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--requests", type=int, default=2000, help="requests counted (%(default)s)")
    add("--warmup", type=int, default=2000, help="requests before counting (%(default)s)")
    add("--rounds", type=int, default=2, help="callgrind runs per front end (%(default)s)")
    add("--baseline-gateway", type=Path, metavar="DIR", help="an older nginx/ folder, WAF on")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    args.command = invocation()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("valgrind", "callgrind_control", "nginx"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: apt-get install valgrind nginx", file=sys.stderr)
            return 2
    homes = {"plain": ROOT / "nginx", "gateway": ROOT / "nginx", "gateway_waf_off": ROOT / "nginx"}
    if args.baseline_gateway:
        homes["gateway_baseline"] = args.baseline_gateway.resolve()
    counts: dict[str, list[float]] = {name: [] for name in homes}
    with (
        tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp,
        upstream(Path(tmp)) as upstream_at,
    ):
        jobs = [(name, r) for r in range(args.rounds) for name in homes]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                pool.submit(count, name, homes[name], Path(tmp), upstream_at, args): name
                for name, _ in jobs
            }
            for future in concurrent.futures.as_completed(futures):
                counts[futures[future]].append(future.result())
    results = {
        "command": args.command,
        "requests": args.requests,
        "warmup": args.warmup,
        "instructions_per_request": {
            name: {"median": statistics.median(runs), "runs": [round(r) for r in runs]}
            for name, runs in counts.items()
        },
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    plain = results["instructions_per_request"]["plain"]["median"]
    print(f"{'front end':<33} {'instructions/request':>21} {'beyond plain nginx':>19}  runs")
    for name, row in results["instructions_per_request"].items():
        print(
            f"{LABELS[name]:<33} {row['median']:>21,.0f} {row['median'] - plain:>19,.0f}  "
            + ", ".join(f"{r:,}" for r in row["runs"])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
