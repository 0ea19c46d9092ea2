"""The shipped gateway's WAF against ModSecurity + OWASP CRS, on the same cases in the same run.

Starts, on free ports in temporary prefixes, a trivial 200 handler (nginx) and three servers
in front of it: the gateway exactly as it ships (nginx.conf rendered by runnerly_gateway from
nginx/templates, its Lua, nginx/waf/config.json and rules; only the limits' rates are out of
reach, so that the replay is never rate-limited), a plain nginx reverse proxy with Debian's
libnginx-mod-http-modsecurity and modsecurity-crs at paranoia level 1 and inbound anomaly
threshold 5, and the same proxy without a WAF (the baseline of the load figures). It sends
every case to the gateway and CRS and prints, per attack class, the detection rate, the
false-positive rate on benign traffic, and each server's requests/s while replaying them.

Cases: our own payloads and benign traffic from nginx/tests/data (placed as the test suite
places them: in the query, forms, JSON, XML, paths and the request headers services log or
use), each sent to an address of its route class (/oauth/token, /api/web/login, /api/v1/...,
/strava/webhook, ...), and, when present, the public collection in ../shared/corpora/
waf-payload-collection (GPL-3.0: read from there, never copied here). Its payloads go in a
query parameter as written (they are URL fragments: "%0A" and "+" reach the server as a line
feed and a space; only what cannot stand in a request line is escaped), except XXE (an XML
request body) and Shellshock (the User-Agent header); its per-class false-positive files are
its benign cases.

The gateway's verdict on our own cases must be the one nginx/tests assert (every attack
refused, all benign traffic through): otherwise the run says which cases differ and exits 1,
because its figures would not describe what ships.

The same run also starts the gateway with the WAF as it was at a baseline revision
(--baseline-rev, default a393072: before issue 21 made it cheaper): the shipped nginx/ with
that revision's runnerly/waf.lua, runnerly/waf/ and waf/ (rules and config) put in place
with `git archive`, and the gateway with its WAF off. Both WAFs judge every case (their
verdicts must be equal, case by case, on our cases and the collection alike: otherwise the
run exits 1), and wrk sends the same benign traffic to each server in alternating rounds;
the report gives the new / baseline benign requests/s, and the WAF's own cost per request
(1/requests/s of the gateway with the WAF, less that of the gateway without it) for both.

    .venv/bin/python -m benchmarks.gateway.waf             # everything, large classes sampled
    .venv/bin/python -m benchmarks.gateway.waf --quick     # a small subset, about 30 s
    .venv/bin/python -m benchmarks.gateway.waf --all       # the whole collection, no sampling
    .venv/bin/python -m benchmarks.gateway.waf --baseline-rev none   # no baseline gateway
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common.machine import busy_cpus
from benchmarks.common.repo import ROOT
from benchmarks.gateway.load import cpu_seconds, family
from benchmarks.gateway.servers import (
    Server,
    crs_missing,
    running_gateway,
    running_proxy,
    running_waf_only,
    start_handler,
)
from runnerly_common.testing import ServiceUnavailable
from runnerly_common.testing.nginx import require_nginx
from runnerly_gateway import waf_cases as ws

CORPUS = ROOT.parent / "shared" / "corpora" / "waf-payload-collection"
# The collection's folders, as our attack classes.
CORPUS_CLASSES = {
    "sqli": "sqli",
    "xss": "xss",
    "traversal": "traversal",
    "cmdexe": "cmdi",
    "log4shell": "jndi",
    "shellshock": "shellshock",
    "xxe": "xxe",
}
CORPUS_PLACEMENT = {"xxe": "xml", "shellshock": "user_agent"}


# --- cases ------------------------------------------------------------------------------


def corpus_lines(path: Path) -> list[str]:
    seen: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        line = line.rstrip("\r")
        if line.strip():
            seen.setdefault(line, None)
    return list(seen)


def header_safe(text: str) -> bool:
    return all(32 <= ord(c) < 127 or c == "\t" for c in text)


def corpus_cases(sample: int | None, seed: int) -> list[ws.Case]:
    """The public collection: true positives as attacks, false positives as benign."""
    rng = random.Random(seed)
    cases = []
    for folder, kind in CORPUS_CLASSES.items():
        where = CORPUS_PLACEMENT.get(folder, "query_as_written")
        for name, label_kind in (("true-positives.txt", kind), ("false-positives.txt", "benign")):
            path = CORPUS / folder / name
            if not path.is_file():
                continue
            lines = corpus_lines(path)
            if where == "user_agent":
                lines = [line for line in lines if header_safe(line)]
            if sample and label_kind != "benign" and len(lines) > sample:
                lines = rng.sample(lines, sample)
            for i, line in enumerate(lines):
                case = ws.place(label_kind, f"corpus-{folder}-{name[:2]}-{i}", line, where)
                case.source = f"corpus:{kind}"
                cases.append(case)
    return cases


def own_cases(quick: bool) -> list[ws.Case]:
    cases = list(ws.attack_cases()) + list(ws.benign_cases())
    return cases[::4] if quick else cases


# Where the gateway serves each route class (nginx/templates/nginx.conf.j2): a case made for
# waf_support's "/<class>/<rest>" goes to an address of the same class, so that the same
# plan and exceptions judge it.
_EXACT = {
    "token": "/oauth/token",
    "webhook": "/strava/webhook",
    "upload": "/api/v1/users/1/runs/import",
}
_ASSET = re.compile(r"^/assets/.+-[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$")


def gateway_path(route: str, rest: str) -> str:
    if route in _EXACT:
        return _EXACT[route]
    if route == "login":
        return "/api/web/signup" if rest.startswith("/signup") else "/api/web/login"
    if route == "assets":
        return rest if _ASSET.match(rest) else "/assets/app-3f9c2b1d.js"
    if route == "api":
        if rest.startswith("/api/v1/") or rest == "/.well-known/jwks.json":
            return rest
        return "/api/v1" + rest
    # web: the browser's API and everything the gateway does not route elsewhere.
    if rest.startswith("/api/web/") or not rest.startswith(("/api/", "/oauth/", "/strava/")):
        return rest if rest.startswith("/") else "/" + rest
    return "/api/web" + rest


def at_gateway(case: ws.Case) -> ws.Case:
    """``case`` sent to the gateway's address for its route class."""
    route, _, rest = case.path.lstrip("/").partition("/")
    return dataclasses.replace(case, path=gateway_path(route, "/" + rest))


# --- servers ----------------------------------------------------------------------------


SERVERS = ("ours", "crs", "none")
GIT = shutil.which("git") or "git"
BASELINE_REV = "a393072"  # the WAF before issue 21's "cheaper per request"
# What a baseline gateway takes from the baseline revision; the rest of nginx/ is today's.
WAF_PATHS = ("lua/runnerly/waf.lua", "lua/runnerly/waf", "waf")


def baseline_home(rev: str, directory: Path) -> Path:
    """A copy of today's nginx/ (templates, config, Lua) in ``directory`` with the WAF's Lua,
    config and rules as they were at ``rev``."""
    home = directory / "nginx"
    source = ROOT / "nginx"
    for part in ("templates", "config", "lua", "waf"):
        shutil.copytree(source / part, home / part)
    for path in WAF_PATHS:
        target = home / path
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    archive = subprocess.run(
        [GIT, "-C", str(ROOT), "archive", rev, *(f"nginx/{path}" for path in WAF_PATHS)],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(directory)  # noqa: S202 - our own repository's files
    return home


@contextlib.contextmanager
def running_servers(
    tmp: Path,
    workers: int,
    names: Sequence[str] = SERVERS,
    baseline: Path | None = None,
) -> Iterator[dict[str, Server]]:
    """The handler, and in front of it those of ``ours`` (the gateway as it ships: its
    nginx.conf rendered by runnerly_gateway, limits out of reach), ``baseline`` (the same
    with the WAF of ``baseline``, a home from :func:`baseline_home`), ``nowaf`` (the
    gateway with its WAF off), ``crs`` and ``none``."""
    handler = start_handler(tmp / "handler", workers)
    upstream = handler.url.removeprefix("http://")
    starts = {
        "ours": lambda: running_gateway(
            tmp / "ours", upstream, workers=workers, every_upstream=True
        ),
        "baseline": lambda: running_gateway(
            tmp / "baseline", upstream, workers=workers, every_upstream=True, home=baseline
        ),
        "nowaf": lambda: running_gateway(
            tmp / "nowaf", upstream, workers=workers, every_upstream=True, waf=False
        ),
        "waf_only": lambda: running_waf_only(tmp / "waf_only", ROOT / "nginx", workers=workers),
        "baseline_waf_only": lambda: running_waf_only(
            tmp / "baseline_waf_only", baseline or ROOT / "nginx", workers=workers
        ),
        "crs": lambda: running_proxy(
            tmp / "crs", upstream, workers=workers, modsecurity=True, log_level="crit"
        ),
        "none": lambda: running_proxy(tmp / "none", upstream, workers=workers),
    }
    try:
        with contextlib.ExitStack() as stack:
            yield {name: stack.enter_context(starts[name]()) for name in names}
    finally:
        handler.stop()


def port_of(server: Server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


# --- replay -----------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(self, case: ws.Case) -> int:
        for attempt in (1, 2):
            try:
                self.conn.request(
                    case.method, case.target, body=case.body or None, headers=case.all_headers()
                )
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def replay(server: Server, cases: Sequence[ws.Case], threads: int) -> tuple[list[int], float]:
    """Every case's status, and the requests/s over the whole replay."""
    statuses = [0] * len(cases)
    local = threading.local()
    clients: list[Client] = []

    def run(index: int) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port_of(server))
            clients.append(local.client)
        statuses[index] = local.client.send(cases[index])

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(len(cases)), chunksize=64))
    elapsed = time.perf_counter() - start
    for client in clients:
        client.conn.close()
    return statuses, len(cases) / elapsed


def lua_literal(data: bytes) -> str:
    return (
        '"'
        + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in data)
        + '"'
    )


def wrk_script(cases: Sequence[ws.Case], path: Path) -> Path:
    """A wrk script sending ``cases`` round-robin."""
    lines = ["local requests = {}", "function init(args)"]
    for case in cases:
        headers = ", ".join(
            f"[{lua_literal(k.encode())}] = {lua_literal(v.encode('latin-1'))}"
            for k, v in case.all_headers().items()
            if k != "Content-Length"  # wrk.format adds it
        )
        body = lua_literal(case.body) if case.body else "nil"
        lines.append(
            f"  requests[#requests + 1] = wrk.format({lua_literal(case.method.encode())}, "
            f"{lua_literal(case.target.encode())}, {{{headers}}}, {body})"
        )
    lines += [
        "end",
        "local i = 0",
        "function request()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def wrk_run(server: Server, script: Path, seconds: int, connections: int) -> dict[str, Any]:
    """Requests/s, latency percentiles and refusals of a wrk run against ``server``, and the
    CPU time its nginx (master and workers) spent per request: unlike requests/s, that does
    not fall when other work on the machine takes the CPUs away."""
    pids = family(server.pid) if server.pid else []
    cpu_before = cpu_seconds(pids)
    result = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            server.base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    )
    cpu = cpu_seconds(pids) - cpu_before
    out = result.stdout
    done = re.search(r"(\d+) requests in", out)
    requests = int(done.group(1)) if done else 0
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, flags=re.MULTILINE))
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "refused": int(refused.group(1)) if refused else 0,
        "cpu_us_per_request": round(cpu / requests * 1e6, 1) if requests and pids else None,
    }


# --- report -----------------------------------------------------------------------------


@dataclass
class Row:
    source: str
    kind: str
    cases: int = 0
    ours: int = 0
    crs: int = 0
    baseline: int | None = None


def tabulate(
    cases: Sequence[ws.Case],
    ours: Sequence[int],
    crs: Sequence[int],
    baseline: Sequence[int] | None = None,
) -> list[Row]:
    rows: dict[tuple[str, str], Row] = {}
    for i, (case, a, b) in enumerate(zip(cases, ours, crs, strict=True)):
        source, _, corpus_class = case.source.partition(":")
        kind = case.kind
        if case.kind == "benign" and source == "corpus":
            kind = f"benign ({corpus_class} traps)"
        row = rows.setdefault((source, kind), Row(source, kind))
        row.cases += 1
        row.ours += a != 200
        row.crs += b != 200
        if baseline is not None:
            row.baseline = (row.baseline or 0) + (baseline[i] != 200)
    return sorted(
        rows.values(), key=lambda r: (r.source != "ours", r.kind.startswith("benign"), r.kind)
    )


def totals(rows: Iterable[Row], source: str, benign: bool) -> Row:
    total = Row(source, "all benign" if benign else "all attacks")
    for row in rows:
        if row.source == source and row.kind.startswith("benign") == benign:
            total.cases += row.cases
            total.ours += row.ours
            total.crs += row.crs
            if row.baseline is not None:
                total.baseline = (total.baseline or 0) + row.baseline
    return total


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %" if d else "-"


def render(rows: list[Row], rates: dict[str, float], markdown: bool) -> str:
    lines = []
    with_baseline = any(row.baseline is not None for row in rows)
    header: tuple[str, ...] = ("source", "class", "cases", "blocked: ours", "blocked: CRS PL1")
    if with_baseline:
        header += ("blocked: baseline",)
    body = []
    for source in ("ours", "corpus"):
        part = [r for r in rows if r.source == source]
        if not part:
            continue
        for row in [*part, totals(rows, source, False), totals(rows, source, True)]:
            cells: tuple[str, ...] = (
                row.source,
                row.kind,
                str(row.cases),
                pct(row.ours, row.cases),
                pct(row.crs, row.cases),
            )
            if with_baseline:
                cells += (pct(row.baseline or 0, row.cases),)
            body.append(cells)
    if markdown:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("| --- | --- | " + " | ".join("---:" for _ in header[2:]) + " |")
        for cells in body:
            bold = cells[1].startswith("all ")
            lines.append("| " + " | ".join(f"**{c}**" if bold and c else c for c in cells) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        for cells in [header, *body]:
            lines.append(
                "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
    lines.append("")
    lines.append(
        "Blocked means any answer but the handler's 200: for attack classes that is the detection "
        "rate, for benign rows the false-positive rate."
    )
    lines.append(
        f"Replay throughput (requests/s, all cases): ours {rates['ours']:,.0f}, "
        f"CRS {rates['crs']:,.0f} (ratio {rates['ours'] / rates['crs']:.2f}x)"
        + (f", baseline {rates['baseline']:,.0f}." if "baseline" in rates else ".")
    )
    return "\n".join(lines)


def misses(cases: Sequence[ws.Case], statuses: Sequence[int], limit: int) -> list[str]:
    out = []
    for case, status in zip(cases, statuses, strict=True):
        attack = case.kind != "benign"
        if (attack and status == 200) or (not attack and status != 200):
            what = "missed" if attack else "false positive"
            out.append(f"{what} [{case.kind}] {case.label}: {case.payload[:120]!r}")
    return out[:limit]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gateway.waf", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small subset (a quarter of ours, 100 per corpus class)",
    )
    parser.add_argument(
        "--all", action="store_true", help="the whole public collection, no sampling"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=2000,
        help="at most this many true positives per corpus class (default 2000)",
    )
    parser.add_argument("--seed", type=int, default=5, help="seed of the corpus sample")
    parser.add_argument(
        "--threads", type=int, default=2, help="client connections sending cases at once"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="nginx worker processes of each server"
    )
    parser.add_argument("--no-corpus", action="store_true", help="only our own cases")
    parser.add_argument(
        "--wrk-seconds",
        type=int,
        default=None,
        help="seconds of wrk load on benign traffic per server (10; 3 with --quick; 0: none)",
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="wrk runs per server, the servers taking turns; each server's best counts (2)",
    )
    parser.add_argument(
        "--baseline-rev",
        default=BASELINE_REV,
        help=f"the revision whose WAF the new one is compared with ({BASELINE_REV}; none: no "
        "baseline)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--show-misses",
        type=int,
        default=0,
        metavar="N",
        help="list up to N misses and false positives of each WAF",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        require_nginx()
    except ServiceUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    if missing := crs_missing():
        print(missing, file=sys.stderr)
        return 2

    if args.wrk_seconds is None:
        args.wrk_seconds = 3 if args.quick else 10
    rev = None if args.baseline_rev.lower() == "none" else args.baseline_rev
    if rev and not revision_exists(rev):
        print(f"baseline revision {rev} is not in this repository", file=sys.stderr)
        return 2
    own = own_cases(args.quick)
    own_by_label = {case.label: case for case in own}
    cases = [at_gateway(case) for case in own]
    if not args.no_corpus and CORPUS.is_dir():
        sample = 100 if args.quick else (None if args.all else args.sample)
        cases += corpus_cases(sample, args.seed)
    elif not args.no_corpus:
        print(f"note: {CORPUS} is absent: our own cases only", file=sys.stderr)
    # One order for both servers, shuffled so that neither meets a class in one long run.
    random.Random(args.seed).shuffle(cases)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    busy = busy_cpus()
    if busy > 0.25:
        print(
            f"WARNING: other work kept {busy:.2f} CPUs busy: throughput is low and noisy",
            file=sys.stderr,
        )
    statuses: dict[str, list[int]] = {}
    rates: dict[str, float] = {}
    load: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="waf-bench-") as tmp:
        names: tuple[str, ...] = SERVERS
        baseline = None
        if rev:
            baseline = baseline_home(rev, Path(tmp) / "baseline-home")
            names = (
                "ours",
                "baseline",
                "nowaf",
                "crs",
                "none",
                "waf_only",
                "baseline_waf_only",
            )
        with running_servers(Path(tmp), args.workers, names, baseline) as servers:
            judges = [name for name in ("ours", "baseline", "crs") if name in servers]
            for name in judges:
                server = servers[name]
                replay(server, cases[: min(200, len(cases))], args.threads)  # warm-up
                statuses[name], rates[name] = replay(server, cases, args.threads)
            if args.wrk_seconds and shutil.which("wrk"):
                # Benign traffic every WAF let through: the same work for all, none refused.
                common = [
                    case
                    for i, case in enumerate(cases)
                    if case.source == "ours"
                    and case.kind == "benign"
                    and all(statuses[name][i] == 200 for name in judges)
                ]
                script = wrk_script(common, Path(tmp) / "benign.lua")
                # The WAF alone takes each case at its waf_support address, /<class>/...
                alone = wrk_script(
                    [own_by_label[case.label] for case in common], Path(tmp) / "alone.lua"
                )
                runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
                for _ in range(max(1, args.rounds)):
                    for name, server in servers.items():
                        runs[name].append(
                            wrk_run(
                                server,
                                alone if name.endswith("waf_only") else script,
                                args.wrk_seconds,
                                args.connections,
                            )
                        )
                for name, done in runs.items():
                    # The least disturbed run: others' work on the machine only slows one.
                    load[name] = max(done, key=lambda run: run["requests_per_s"])
                    load[name]["rounds"] = [run["requests_per_s"] for run in done]
                    if any(run["refused"] for run in done):
                        print(f"warning: {name} refused benign requests", file=sys.stderr)
                load["cases"] = {"count": len(common)}

    rows = tabulate(cases, statuses["ours"], statuses["crs"], statuses.get("baseline"))
    comparison = compare_with_baseline(rev, load) if rev else None
    verdicts_differ = (
        differences_from_baseline(cases, statuses["ours"], statuses["baseline"]) if rev else []
    )
    if args.json:
        document = {
            "rows": [r.__dict__ for r in rows],
            "replay_requests_per_s": rates,
            "wrk": load,
            "baseline": None
            if not rev
            else {"rev": rev, "verdicts_differ": len(verdicts_differ), **(comparison or {})},
        }
        print(json.dumps(document, indent=1))
    else:
        print(
            f"{len(cases):,} cases, {args.threads} client threads, "
            f"{args.workers} nginx worker(s) each; nproc {os.cpu_count()}; "
            f"CPUs busy with other work before the run: {busy:.2f}"
        )
        print(render(rows, rates, args.markdown))
        if load:
            print(
                f"Benign load (wrk, {args.connections} connections, {args.wrk_seconds} s, "
                f"{load['cases']['count']} benign requests round-robin):"
            )
            order = ("ours", "baseline", "nowaf", "crs", "none", "waf_only", "baseline_waf_only")
            for name in (n for n in order if n in load):
                run = load[name]
                cpu = run.get("cpu_us_per_request")
                print(
                    f"  {name:8}  {run['requests_per_s']:>9,.0f} requests/s  p50 {run['p50']}  "
                    f"p99 {run['p99']}  refused {run['refused']}  "
                    + (f"nginx CPU {cpu:.0f} µs/request  " if cpu else "")
                    + f"(rounds: {', '.join(f'{r:,.0f}' for r in run['rounds'])})"
                )
            rate = {name: load[name]["requests_per_s"] for name in ("ours", "crs", "none")}
            print(
                f"  ours / CRS: {rate['ours'] / rate['crs']:.2f}x; "
                f"ours / no WAF: {rate['ours'] / rate['none']:.2f}x; "
                f"CRS / no WAF: {rate['crs'] / rate['none']:.2f}x"
            )
            if comparison:
                print(
                    f"  WAF at {rev} (baseline) -> now, the gateway's benign requests/s: "
                    f"{comparison['baseline_requests_per_s']:,.0f} -> "
                    f"{comparison['requests_per_s']:,.0f}, new / baseline "
                    f"{comparison['throughput_ratio']:.2f}x (target >= 3x); the WAF's own cost "
                    f"per request (against the gateway with the WAF off, "
                    f"{comparison['nowaf_requests_per_s']:,.0f}/s): "
                    f"{comparison['baseline_waf_us']:.1f} -> {comparison['waf_us']:.1f} µs, "
                    f"{comparison['cost_ratio']:.2f}x cheaper"
                )
                if "alone_cpu_ratio" in comparison:
                    print(
                        "  the WAF alone on a trivial handler (waf_only, baseline_waf_only): "
                        f"{comparison['alone_baseline_requests_per_s']:,.0f} -> "
                        f"{comparison['alone_requests_per_s']:,.0f} requests/s, "
                        f"{comparison['alone_ratio']:.2f}x; nginx CPU per request "
                        f"{comparison['alone_baseline_cpu_us']:.0f} -> "
                        f"{comparison['alone_cpu_us']:.0f} µs, "
                        f"{comparison['alone_cpu_ratio']:.2f}x"
                    )
                if "capacity_ratio" in comparison:
                    print(
                        f"  nginx CPU per benign request: baseline "
                        f"{comparison['baseline_cpu_us']:.0f} µs, now {comparison['cpu_us']:.0f} "
                        f"µs, WAF off {comparison['nowaf_cpu_us']:.0f} µs: new / baseline "
                        f"capacity of one worker {comparison['capacity_ratio']:.2f}x; the WAF's "
                        f"own CPU {comparison['baseline_waf_cpu_us']:.0f} -> "
                        f"{comparison['waf_cpu_us']:.0f} µs"
                        + (
                            f", {comparison['cpu_cost_ratio']:.2f}x cheaper"
                            if comparison["cpu_cost_ratio"]
                            else ""
                        )
                    )
        if rev:
            print(
                f"Verdicts of the WAF now and at {rev}: "
                + (
                    "the same on every case."
                    if not verdicts_differ
                    else f"{len(verdicts_differ)} cases differ."
                )
            )
    for name in ("ours", "crs"):
        for line in misses(cases, statuses[name], args.show_misses):
            print(f"{name}: {line}")
    if verdicts_differ:
        print(
            f"ERROR: on {len(verdicts_differ)} cases the WAF now and the WAF at {rev} do not "
            "agree (the same detection was the condition of making it cheaper):",
            file=sys.stderr,
        )
        for line in verdicts_differ[:20]:
            print(f"  {line}", file=sys.stderr)
        return 1
    differ = differences_from_the_tests(cases, statuses["ours"])
    if differ:
        print(
            f"ERROR: on {len(differ)} of our own cases the shipped gateway's verdict is not "
            "the one nginx/tests assert, so these figures do not describe what ships:",
            file=sys.stderr,
        )
        for line in differ[:20]:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def revision_exists(rev: str) -> bool:
    return (
        subprocess.run(
            [GIT, "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True,
        ).returncode
        == 0
    )


def compare_with_baseline(rev: str, load: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """New / baseline benign requests/s through the gateway, and each WAF's own CPU cost per
    request: the time per request with it, less the time per request with the WAF off."""
    if not {"ours", "baseline", "nowaf"} <= load.keys():
        return None
    new, old, off = (load[name]["requests_per_s"] for name in ("ours", "baseline", "nowaf"))
    waf_us, baseline_waf_us = 1e6 / new - 1e6 / off, 1e6 / old - 1e6 / off
    out = {
        "requests_per_s": new,
        "baseline_requests_per_s": old,
        "nowaf_requests_per_s": off,
        "throughput_ratio": new / old,
        "waf_us": waf_us,
        "baseline_waf_us": baseline_waf_us,
        "cost_ratio": baseline_waf_us / waf_us if waf_us > 0 else float("inf"),
    }
    if {"waf_only", "baseline_waf_only"} <= load.keys():
        alone, alone_old = load["waf_only"], load["baseline_waf_only"]
        out.update(
            alone_requests_per_s=alone["requests_per_s"],
            alone_baseline_requests_per_s=alone_old["requests_per_s"],
            alone_ratio=alone["requests_per_s"] / alone_old["requests_per_s"],
        )
        if alone.get("cpu_us_per_request") and alone_old.get("cpu_us_per_request"):
            out.update(
                alone_cpu_us=alone["cpu_us_per_request"],
                alone_baseline_cpu_us=alone_old["cpu_us_per_request"],
                alone_cpu_ratio=alone_old["cpu_us_per_request"] / alone["cpu_us_per_request"],
            )
    cpu = {name: load[name].get("cpu_us_per_request") for name in ("ours", "baseline", "nowaf")}
    if all(cpu.values()):
        # nginx CPU per request: what one worker with a CPU of its own would sustain.
        out.update(
            cpu_us=cpu["ours"],
            baseline_cpu_us=cpu["baseline"],
            nowaf_cpu_us=cpu["nowaf"],
            capacity_ratio=cpu["baseline"] / cpu["ours"],
            waf_cpu_us=cpu["ours"] - cpu["nowaf"],
            baseline_waf_cpu_us=cpu["baseline"] - cpu["nowaf"],
        )
        out["cpu_cost_ratio"] = (
            out["baseline_waf_cpu_us"] / out["waf_cpu_us"] if out["waf_cpu_us"] > 0 else None
        )
    return out


def differences_from_baseline(
    cases: Sequence[ws.Case], ours: Sequence[int], baseline: Sequence[int]
) -> list[str]:
    """The cases one WAF refused and the other let through, our own and the collection's."""
    return [
        f"{case.source} {case.label} ({case.method} {case.path}): now {a}, baseline {b}"
        for case, a, b in zip(cases, ours, baseline, strict=True)
        if (a == 200) != (b == 200)
    ]


def differences_from_the_tests(cases: Sequence[ws.Case], statuses: Sequence[int]) -> list[str]:
    """Our own cases on which the gateway did not do what the WAF's tests assert of the
    shipped gateway: refuse every attack, let all benign traffic through."""
    return [
        f"{case.label} ({case.method} {case.path}): {status}"
        for case, status in zip(cases, statuses, strict=True)
        if case.source == "ours" and (case.kind != "benign") != (status != 200)
    ]


if __name__ == "__main__":
    sys.exit(main())
