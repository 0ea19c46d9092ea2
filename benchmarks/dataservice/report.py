"""What benchmarks/dataservice/ prints: progress, the results table, the targets."""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.dataservice.data import LoadReport
from benchmarks.dataservice.measure import BULK_TARGET, QUERIES

BUSY_LOADAVG = 0.5  # a 1-minute load average above this before the run: figures are noisy


def progress(label: str, figures: dict[str, float]) -> None:
    print(
        f"  {label:45} p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.2f} ms",
        file=sys.stderr,
    )


def print_machine(results: dict[str, Any]) -> None:
    """The command, then the revision, machine and load average a run's figures come from."""
    machine = results["machine"]
    print(f"# {results['command']}")
    print(
        f"revision {machine['revision']}, {machine['nproc']} CPUs ({machine['cpu']}), "
        f"PostgreSQL {machine['postgresql']['server_version']}, 1-minute load average "
        f"{machine['loadavg_1m_before']:.2f} before the run"
    )


def print_load(load: LoadReport) -> None:
    if load.skipped:
        print("data already loaded: load skipped", file=sys.stderr)
    else:
        print(
            f"loaded {load.runs:,} runs of {load.runners:,} runners and {load.best_efforts:,} "
            f"best efforts in {load.total_s:.1f} s (generate + COPY {load.copy_s:.1f} s, "
            f"VACUUM ANALYZE {load.vacuum_analyze_s:.1f} s)",
            file=sys.stderr,
        )
    if load.panels:
        print(
            f"stored {load.panels:,} records panels in {load.panels_s:.1f} s "
            f"({load.panels_s / load.panels * 1e3:.1f} ms a runner)",
            file=sys.stderr,
        )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets of what was measured (``--writes-only``: the bulk upsert's alone)."""
    checks = [
        {
            "name": f"{q.label}: p99 at the DB layer",
            "value": results["db"][q.key]["p99_ms"],
            "target": q.target_ms,
            "unit": "ms",
            "passed": results["db"][q.key]["p99_ms"] <= q.target_ms,
        }
        for q in QUERIES
        if "db" in results
    ]
    bulk = results["bulk"]["upsert_new"]["runs_per_s"]
    checks.append(
        {
            "name": "bulk upsert of new runs",
            "value": bulk,
            "target": BULK_TARGET,
            "unit": "runs/s",
            "passed": bulk >= BULK_TARGET,
        }
    )
    return checks


def report(results: dict[str, Any]) -> None:
    load = results["load"]
    print_setting(results)
    if load["skipped"]:
        print(
            f"data: {load['runs']:,} runs of {load['runners']:,} runners, loaded by an earlier run"
        )
    else:
        print(
            f"data: {load['runs']:,} runs of {load['runners']:,} runners, "
            f"{load['best_efforts']:,} best efforts, loaded in {load['total_s']:.1f} s (generate "
            f"+ COPY {load['copy_s']:.1f} s, VACUUM ANALYZE {load['vacuum_analyze_s']:.1f} s)"
        )
    if load["panels"]:
        print(
            f"      records panels stored for {load['panels']:,} runners in "
            f"{load['panels_s']:.1f} s (kept on write from then on)"
        )
    sizes = ", ".join(f"{name} {size / 2**20:,.0f}" for name, size in load["bytes"].items())
    print(f"      MB on disk: {sizes}\n")
    p = results["parameters"]
    print(
        f"latency, {p['samples']} samples (random runner and day) after {p['warmup']} "
        f"warm-up; DB layer: the service function, a session per sample; HTTP: "
        f"sequential GETs, gunicorn {p['workers']} workers"
    )
    print(f"  {'query':40} {'layer':5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for query in QUERIES:
        for layer in ("db", "http"):
            f = results[layer][query.key]
            print(
                f"  {query.label:40} {layer:5} {f['p50_ms']:8.2f} {f['p95_ms']:8.2f} "
                f"{f['p99_ms']:8.2f} {f['max_ms']:8.2f}"
                + (f"  ({f['errors']} errors)" if f.get("errors") else "")
            )
    if tp := results.get("http_throughput"):
        print(
            f"  month query over HTTP, {tp['threads']} client threads: "
            f"{tp['requests_per_s']:.0f} requests/s ({tp['errors']} errors)"
        )
    print(
        "\nmonth query plan (uses ix_runs_runner_local, by local start: "
        f"{results['month_uses_index']}):"
    )
    print("    " + results["explain"]["month"][0]["plan"].replace("\n", "\n    "))
    print("stats queries (one line per statement: execution time, root buffers, scans):")
    for query in QUERIES[1:]:
        for plan in results["explain"][query.key]:
            print(
                f"  {query.key:8} {plan['execution_ms']:6.2f} ms  {plan['buffers']:28} "
                + "; ".join(plan["scans"])
            )
    print_bulk(results)
    print_targets(results)


def report_writes(results: dict[str, Any]) -> None:
    """``--writes-only``: the machine, the bulk writes and their target."""
    print_setting(results)
    print_bulk(results)
    print_targets(results)


def print_setting(results: dict[str, Any]) -> None:
    """The machine, the load on it before the run, and the command."""
    m, pg = results["machine"], results["machine"]["postgresql"]
    busy = m["loadavg_1m_before"] > BUSY_LOADAVG
    print(f"machine: nproc {m['nproc']}, {m['cpu']}, {m['memory_gb']} GB, {m['os']}")
    print(
        f"         Python {m['python']}, PostgreSQL {pg['server_version']} (shared_buffers "
        f"{pg['shared_buffers']}, work_mem {pg['work_mem']}), SQLAlchemy {m['SQLAlchemy']}, "
        f"psycopg {m['psycopg']}, gunicorn {m['gunicorn']}, Flask {m['Flask']}"
    )
    print(
        f"         revision {m['revision']}; 1-minute load average before the run "
        f"{m['loadavg_1m_before']:.2f}"
        + (" (NOT IDLE: other work shared the CPUs)" if busy else "")
    )
    print(f"command: {results['command']}")


def print_bulk(results: dict[str, Any]) -> None:
    p = results["parameters"]
    b = results["bulk"]
    print(
        f"\nbulk writes, batches of {p['batch_size']:,} runs (a runner's history each), "
        f"commit per batch:"
    )
    for label, key in (
        ("upsert_runs, new runs", "upsert_new"),
        ("row-by-row ORM insert (baseline)", "row_by_row"),
        ("upsert_runs, the same runs again", "upsert_unchanged"),
        ("POST runs/batch over HTTP, new", "http_batch_new"),
        ("POST runs/batch over HTTP, again", "http_batch_unchanged"),
    ):
        if key not in b:  # --writes-only: no HTTP
            continue
        f = b[key]
        statements = f"{f['statements_per_batch']:5.0f}" if f["statements_per_batch"] else "    -"
        print(
            f"  {label:36} {f['runs']:7,} runs {f['runs_per_s']:9,.0f} runs/s  per batch "
            f"p50 {f['batch_p50_ms']:7.1f} ms  max {f['batch_max_ms']:7.1f} ms  "
            f"SQL statements {statements}"
        )
    body = f"; HTTP batch body {b['body_bytes']:,} bytes" if "body_bytes" in b else ""
    print(
        f"  ratio bulk / row by row: {b['ratio']:.1f}x; Python work before any SQL (digests, "
        f"rows, best efforts): {b['python_side_ms_per_batch']:.1f} ms per batch{body}"
    )


def print_targets(results: dict[str, Any]) -> None:
    print("\ntargets:")
    for check in results["targets"]:
        print(
            f"  {'PASS' if check['passed'] else 'FAIL'}  {check['name']}: "
            f"{check['value']:,.2f} {check['unit']} (target "
            f"{'<=' if check['unit'] == 'ms' else '>='} {check['target']:,} {check['unit']})"
        )
