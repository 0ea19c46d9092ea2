"""Every benchmark in one run, in turn, for the side-by-side figures of docs/performance.md.

Runs each benchmark as its own command (the one the report names, with ``--json``),
one after another on this machine, waiting before each for the 1-minute load average to fall
(the previous one's stack winding down, or other work), so that every figure of the report
comes from the same revision, the same machine and the same hour. Writes
var/benchmarks/report-<time>.json (each script's whole results, exit status, wall time and
command; its stderr in var/benchmarks/report-<time>/<name>.log) and prints the headline
figures as Markdown, each with the command that reproduces it.

A benchmark that fails (a missed target, or an error) does not stop the others; the exit
status is 1 when any failed. ``--from FILE`` prints the tables of an earlier report again.
Run: .venv/bin/python -m benchmarks.report [--only NAMES] [--skip NAMES] [--quick]
(about an hour in all, of which the soak is about 30 minutes with its seeding; --quick is a
smoke run of a few minutes)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from benchmarks.common.machine import ROOT, cpu_model, load_average, revision, wait_for_idle
from benchmarks.common.report_tables import HEADLINES

RESULTS = ROOT / "var" / "benchmarks"
PYTHON = ".venv/bin/python"


@dataclass(frozen=True)
class Benchmark:
    name: str
    what: str
    args: tuple[str, ...]
    quick: tuple[str, ...]  # the smoke run's options, in place of ``full``
    # soak.py writes its results to a file of its own rather than to stdout
    writes_file: str | None = None
    program: str = PYTHON
    full: tuple[str, ...] = ()  # the options of the full run the report quotes
    # the chaos suite is a pytest run: its results are the JUnit XML it writes
    junit: bool = False


BENCHMARKS = (
    Benchmark(
        "tokens",
        "token issuance; local JWT verification vs a /verify_token call per request",
        ("-m", "benchmarks.tokens", "--json"),
        ("--duration", "2", "--warmup", "1", "--repeats", "3"),
    ),
    Benchmark(
        "dataservice",
        "month query and stats at 1,000,000 runs; bulk vs row-by-row writes",
        ("-m", "benchmarks.dataservice", "--json"),
        ("--quick",),
    ),
    Benchmark(
        "partition",
        "runs at 1M and 10M: one table vs hash-partitioned by runner vs sharded databases",
        ("-m", "benchmarks.dataservice.partition", "--json"),
        ("--quick",),
    ),
    Benchmark(
        "sync",
        "Strava sync end to end: batched vs one run per request; Strava requests per runner",
        ("-m", "benchmarks.sync", "--json"),
        ("--quick",),
    ),
    Benchmark(
        "gateway",
        "gateway vs direct vs ModSecurity + CRS",
        ("-m", "benchmarks.gateway", "--json"),
        ("--duration", "2", "--repeats", "2", "--precision-seconds", "5"),
    ),
    Benchmark(
        "waf",
        "WAF detection and false positives: ours vs ModSecurity + CRS; new vs baseline WAF",
        ("-m", "benchmarks.gateway.waf", "--json"),
        ("--quick",),
    ),
    Benchmark(
        "web",
        "dashboard size and time to interactive, 2,000 runs",
        ("-m", "benchmarks.web", "--json"),
        ("--loads", "3"),
    ),
    Benchmark(
        "celery_retry",
        "a Celery pool child's memory: Task.retry vs a re-send with a countdown",
        ("-m", "benchmarks.celery", "--json"),
        ("--tasks", "50"),
    ),
    Benchmark(
        "chaos",
        "kill -9 and restart each service during a sync and user traffic; several nodes: "
        "a lost node, a client's rate limit through 1-3 gateway nodes",
        ("run", "-e", "chaos", "--", "--junitxml={junit}"),
        (),
        program=".venv/bin/tox",
        junit=True,
    ),
    Benchmark(
        "soak",
        "1,000 runners for 15 minutes through the gateway",
        ("-m", "benchmarks.soak"),
        ("--quick",),
        writes_file="soak-*.json",
        full=("--runners", "1000", "--runs", "200", "--duration", "15m", "--warmup", "300"),
    ),
)


def run(bench: Benchmark, quick: bool, logs: Path, idle_load: float) -> dict[str, Any]:
    load, waited = wait_for_idle(idle_load, 300)
    junit = logs / f"{bench.name}.xml"
    args = [arg.format(junit=junit) for arg in bench.args]
    argv = [bench.program, *args, *(bench.quick if quick else bench.full)]
    command = " ".join(argv)
    print(f"== {bench.name}: {command}  (load {load:.2f}, waited {waited:.0f} s)", flush=True)
    before = set(RESULTS.glob(bench.writes_file)) if bench.writes_file else set()
    started = time.monotonic()
    with (logs / f"{bench.name}.log").open("w", encoding="utf-8") as log:
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    seconds = round(time.monotonic() - started, 1)
    entry: dict[str, Any] = {
        "command": command,
        "exit": done.returncode,
        "seconds": seconds,
        "load_before": round(load, 2),
        "results": None,
    }
    try:
        if bench.junit or bench.writes_file:  # its stdout is for people: kept beside
            (logs / f"{bench.name}.out").write_text(done.stdout, encoding="utf-8")
        if bench.junit:
            entry["results"] = junit_results(junit)
        elif bench.writes_file:
            new = sorted(set(RESULTS.glob(bench.writes_file)) - before)
            entry["results"] = json.loads(new[-1].read_text(encoding="utf-8")) if new else None
        else:
            entry["results"] = json.loads(done.stdout)
    except (json.JSONDecodeError, IndexError, OSError, ElementTree.ParseError) as exc:
        entry["error"] = f"no results: {exc}"
    status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
    print(f"   {status} in {seconds:.0f} s (stderr: {logs / (bench.name + '.log')})", flush=True)
    return entry


def junit_results(path: Path) -> dict[str, Any]:
    """Each test case of a pytest --junitxml file: its outcome, seconds and properties."""
    cases = []
    # our own pytest wrote the file a moment ago: not untrusted input
    for case in ElementTree.parse(path).getroot().iter("testcase"):  # noqa: S314
        outcome = next(
            (tag for tag in ("failure", "error", "skipped") if case.find(tag) is not None),
            "passed",
        )
        properties = {p.get("name"): p.get("value") for p in case.iter("property") if p.get("name")}
        cases.append(
            {
                "name": case.get("name"),
                "outcome": outcome,
                "seconds": float(case.get("time") or 0),
                "properties": properties,
            }
        )
    return {"cases": cases}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def markdown(report: dict[str, Any]) -> str:
    out = [
        f"Revision `{report['revision']}`, {report['started']} to {report['ended']}, "
        f"{report['machine']}.",
        "",
    ]
    out += [
        f"Added later, at revision `{a['revision']}` ({a['at']}): {', '.join(a['benchmarks'])}."
        for a in report.get("added", [])
    ]
    for name, entry in report["benchmarks"].items():
        headline: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = HEADLINES.get(name)
        status = "" if entry["exit"] == 0 else f" (exit {entry['exit']}: a target missed)"
        out += [f"**{name}**{status}: `{entry['command']}` ({entry['seconds']:.0f} s)", ""]
        results = entry.get("results")
        if results is None or headline is None:
            out += [f"no results ({entry.get('error', 'no headline')})", ""]
            continue
        out += ["| measure | result |", "| --- | ---: |"]
        try:
            out += [f"| {measure} | {value} |" for measure, value in headline(results)]
        except (KeyError, TypeError, ZeroDivisionError) as exc:
            out.append(f"| headline unreadable | {type(exc).__name__}: {exc} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report", description=__doc__.split("\n\n")[0]
    )
    names = [b.name for b in BENCHMARKS]
    add = parser.add_argument
    add("--only", help=f"comma-separated, from {','.join(names)}")
    add("--skip", default="", help="comma-separated names not run")
    add("--quick", action="store_true", help="each benchmark's smoke run")
    add("--idle-load", type=float, default=0.5, help="wait for a load average below this")
    add("--from", dest="from_file", type=Path, help="print an earlier report's tables")
    add(
        "--into",
        type=Path,
        help="add the benchmarks run now to an earlier report (one interrupted or re-run)",
    )
    args = parser.parse_args(argv)
    if args.from_file:
        print(markdown(json.loads(args.from_file.read_text(encoding="utf-8"))))
        return 0
    chosen = set(args.only.split(",")) if args.only else set(names)
    chosen -= set(filter(None, args.skip.split(",")))
    if unknown := chosen - set(names):
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    if args.into:
        out = args.into.resolve()
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        # Each run keeps its own revision: a figure added later says which code it measured.
        report.setdefault("added", []).append(
            {"benchmarks": sorted(chosen), "revision": revision(), "at": _now()}
        )
    else:
        out = RESULTS / f"report-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        report = {
            "revision": revision(),
            "machine": f"{cpu_model()}, Python {sys.version.split()[0]}",
            "started": _now(),
            "quick": args.quick,
            "load_before": load_average(),
            "benchmarks": {},
        }
    logs = out.with_suffix("")
    logs.mkdir(parents=True, exist_ok=True)
    for bench in BENCHMARKS:
        if bench.name in chosen:
            report["benchmarks"][bench.name] = run(bench, args.quick, logs, args.idle_load)
            report["ended"] = _now()
            out.write_text(json.dumps(report, indent=1), encoding="utf-8")  # kept as it goes
    print()
    print(markdown(report))
    print(f"\nresults: {out.relative_to(ROOT)}")
    failed = [name for name, entry in report["benchmarks"].items() if entry["exit"] != 0]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
