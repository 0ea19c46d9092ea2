"""What benchmarks/sync/ prints: the rounds, where the time went, the target."""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.sync.measure import BATCH_ROUTE, PAGE_ROUTE
from benchmarks.sync.request_rounds import KINDS

TARGET = 2000  # runs/s end to end (issue 4)
BUSY_CPUS = 0.25  # CPUs kept busy by other work before the run: above it, figures are noisy


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _route(bd: dict[str, Any], role: str, route: str) -> dict[str, float]:
    return bd["services"].get(role, {}).get(route, {})


def phases(bd: dict[str, Any]) -> list[tuple[str, float, int]]:
    """(label, seconds summed over the tasks, nesting depth): the worker's phases, each
    service's request inside the HTTP call that waited for it."""
    w = bd["worker_seconds"]
    get = lambda key: w.get(key, 0.0)  # noqa: E731
    page, batch = _route(bd, "strava-sim", PAGE_ROUTE), _route(bd, "dataservice", BATCH_ROUTE)
    ds_other = sum(v for k, v in w.items() if k.endswith("_ds_other"))
    tokens = sum(v for k, v in w.items() if k.endswith(("_tokendealer", "_strava_oauth")))
    listed = {"http_strava", "json_decode_strava", "mapping", "json_encode_ds_batch"}
    listed |= {"http_ds_batch", "json_decode_ds_batch", "rate_budget", "runner_lock"}
    accounted = sum(get(k) for k in listed) + ds_other + tokens
    return [
        ("Strava page GET (HTTP, as the worker waits for it)", get("http_strava"), 0),
        ("strava-sim app: token, metering, query, JSON", page.get("app", 0.0), 1),
        ("strava-sim database (SQLite)", page.get("db", 0.0), 2),
        (
            "outside the app: connect, gunicorn, queueing",
            get("http_strava") - page.get("app", 0),
            1,
        ),
        ("JSON decode of the page (worker)", get("json_decode_strava"), 0),
        ("mapping activities to runs (worker)", get("mapping"), 0),
        ("JSON encode of the batch (worker)", get("json_encode_ds_batch"), 0),
        ("dataservice batch POST (HTTP, as the worker waits)", get("http_ds_batch"), 0),
        ("dataservice app: token, validation, upsert, JSON", batch.get("app", 0.0), 1),
        ("dataservice database (driver + PostgreSQL)", batch.get("db", 0.0), 2),
        (
            "outside the app: connect, gunicorn, queueing",
            get("http_ds_batch") - batch.get("app", 0),
            1,
        ),
        ("JSON decode of the batch answer (worker)", get("json_decode_ds_batch"), 0),
        ("dataservice link GET/PATCH (HTTP + JSON)", ds_other, 0),
        ("Redis: rate budget and runner lock", get("rate_budget") + get("runner_lock"), 0),
        ("tokendealer / Strava OAuth", tokens, 0),
        ("rest of the task: Celery, requests, the sync's Python", get("task") - accounted, 0),
        ("task total", get("task"), 0),
    ]


def print_rounds(rounds: list[dict[str, Any]]) -> None:
    print(
        "\n| round | push | worker processes | runners | runs | enqueue | all synced | "
        "last run stored | runs/s |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rounds:
        print(
            f"| {r['name']} | {'1 run/POST' if r['row_by_row'] else 'batch/page'}"
            f"{' (under py-spy)' if r['profiled'] else ''} "
            f"| {r['concurrency']} | {r['runners']:,} | {r['runs']:,} | {r['enqueue_s']:.2f} s "
            f"| {r['all_synced_s']:.2f} s | {r['last_run_s']:.2f} s | **{r['runs_per_s']:,.0f}** |"
        )


def ours(cpu: dict[str, float]) -> float:
    """CPU seconds of the benchmark's processes (PostgreSQL's backends of its database
    included, the rest of PostgreSQL and the machine's other work not)."""
    others = {"machine busy", "postgresql (other)"}
    return sum(seconds for name, seconds in cpu.items() if name not in others)


GROUPS = ("dataservice", "strava-sim", "celery worker", "postgresql")


def print_cpu_per_round(rounds: list[dict[str, Any]], nproc: int) -> None:
    """CPU per 1,000 runs of each process group, the sync's total and the share of the
    CPUs it had; other work's share beside it (other sessions on a shared machine)."""
    print(
        "\n| round | CPU per 1,000 runs: "
        + " | ".join(GROUPS)
        + " | rest (Redis, tokendealer, benchmark) | all the sync's | other work |"
    )
    print("| --- |" + " ---: |" * (len(GROUPS) + 3))
    for r in rounds:
        cpu, wall, runs = r["cpu"], r["all_synced_s"], max(r["runs"], 1)
        mine = ours(cpu)
        others = max(cpu.get("machine busy", 0.0) - mine, 0.0)
        cells = [f"{cpu.get(group, 0.0) / runs * 1e6:.0f} ms" for group in GROUPS]
        rest = mine - sum(cpu.get(group, 0.0) for group in GROUPS)
        cells += [
            f"{rest / runs * 1e6:.0f} ms",
            f"{mine / runs * 1e6:.0f} ms ({mine / wall / nproc:.0%} of the CPUs)",
            f"{others / wall / nproc:.0%} of the CPUs",
        ]
        print(f"| {r['name']} | " + " | ".join(cells) + " |")


def print_breakdown(r: dict[str, Any]) -> None:
    bd = r["breakdown"]
    pages = bd["worker_counts"].get("pages_with_activities", 0) or 1
    calls = bd["worker_counts"].get("strava_page_call", 0)
    posts = _route(bd, "dataservice", BATCH_ROUTE).get("requests", 0)
    task = bd["worker_seconds"].get("task", 0.0) or 1.0
    print(
        f"\nWhere the time goes, round {r['name']}: {bd['tasks']} tasks, {calls} Strava page "
        f"requests ({pages} with activities), {posts:,.0f} batch POSTs, "
        f"{bd['worker_counts'].get('runs_sent', 0):,} runs sent; seconds summed over the "
        f"{r['concurrency']} worker processes, per page with activities:"
    )
    print("\n| phase | total s | per page | share of task time |")
    print("| --- | ---: | ---: | ---: |")
    for label, seconds, depth in phases(bd):
        name = ("… " * depth) + label
        print(f"| {name} | {seconds:.2f} | {seconds / pages * 1e3:.1f} ms | {seconds / task:.0%} |")
    print("\n| service request | requests | mean in app | of which DB | DB calls | in / out |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for role in ("strava-sim", "dataservice"):
        for route, s in sorted(bd["services"].get(role, {}).items(), key=lambda i: -i[1]["app"]):
            n = s["requests"]
            print(
                f"| {role} `{route}` | {n:,.0f} | {s['app'] / n * 1e3:.2f} ms "
                f"| {s.get('db', 0) / n * 1e3:.2f} ms | {s['db_calls'] / n:.1f} "
                f"| {s['bytes_in'] / n / 1024:.1f} / {s['bytes_out'] / n / 1024:.1f} KB |"
            )


def print_cpu(r: dict[str, Any], nproc: int) -> None:
    wall, runs = r["all_synced_s"], max(r["runs"], 1)
    print(
        f"\nCPU used during round {r['name']} ({wall:.1f} s on {nproc} CPUs = "
        f"{wall * nproc:.1f} CPU-s available):"
    )
    cpu = dict(r["cpu"])
    busy = cpu.pop("machine busy", 0.0)
    cpu["other processes (not the benchmark's)"] = max(busy - sum(cpu.values()), 0.0)
    print("\n| processes | CPU s | per 1,000 runs | share of the CPUs |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in [*sorted(cpu.items(), key=lambda i: -i[1]), ("machine, all", busy)]:
        print(
            f"| {name} | {seconds:.1f} | {seconds / runs * 1e6:.0f} ms "
            f"| {seconds / (wall * nproc):.0%} |"
        )


def print_profile(r: dict[str, Any]) -> None:
    """py-spy's samples of the profiled round, as each library's share of a process
    group's samples; the group's CPU per 1,000 runs (from /proc) below."""
    groups = [g for g in ("dataservice", "strava-sim", "celery worker") if r["profile"].get(g)]
    share = {g: sum(r["profile"][g].values()) for g in groups}
    categories = sorted(
        {c for g in groups for c in r["profile"][g]},
        key=lambda c: -sum(r["profile"][g].get(c, 0.0) / share[g] for g in groups),
    )
    print(
        f"\nCPU by library: share of py-spy's samples holding the GIL (round {r['name']}, "
        f"{r['runs_per_s']:,.0f} runs/s while sampled):"
    )
    print("\n| innermost frame in | " + " | ".join(groups) + " |")
    print("| --- |" + " ---: |" * len(groups))
    for c in categories:
        cells = [f"{r['profile'][g].get(c, 0.0) / share[g]:.0%}" for g in groups]
        print(f"| {c} | " + " | ".join(cells) + " |")
    runs = max(r["runs"], 1)
    cells = [f"{r['cpu'].get(g, 0.0) / runs * 1e6:.0f} ms" for g in groups]
    print("| CPU per 1,000 runs (/proc) | " + " | ".join(cells) + " |")


def print_requests(q: dict[str, Any]) -> None:
    """The Strava requests of the incremental and the reconciliation round, and what they
    make of an application's daily budget."""
    incremental, reconciliation = q["rounds"]
    c = q["changes"]
    made = ", ".join(f"{c[k]} {k.replace('_', ' ')}" for k in KINDS)
    print(
        f"\nStrava requests (strava-sim's count: what Strava bills), each of the "
        f"{incremental['runners']} runners synced once after its backfill; before the "
        f"reconciliation, strava-sim changed without events: {made}"
    )
    print(
        "\n| round | runners | Strava requests | **per runner** | list pages | single "
        "activities (404) | syncs reconciled | runs deleted | wall time |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in (incremental, reconciliation):
        missing = sum(n for k, n in r["by_route"].items() if k.endswith(" 404"))
        print(
            f"| {r['name']} | {r['runners']:,} | {r['strava_requests']:,} "
            f"| **{r['per_runner']:.2f}** | {r['list_pages']:,} | {r['activity_gets']:,} "
            f"({missing:,}) | {r['reconciled']:,} | {r['deleted']:,} | {r['seconds']:.1f} s |"
        )
    right = reconciliation.get("changes_right", {})
    print(
        "\nchanges the dataservice holds right after the reconciliation: "
        + ", ".join(f"{right.get(k, 0)} of {c[k]} {k.replace('_', ' ')}" for k in KINDS)
    )
    print(
        f"ratio reconciliation / incremental: **{q['ratio']:.2f}x**; the reconciliation's "
        f"extra cost (its requests − the incremental sync's it replaces): "
        f"**{q['extra_per_runner_day']:.2f} requests per runner per day** (allowed: 1 + the "
        f"deletions checked = {q['allowed_extra']:.2f})"
    )
    limits = q["limits"]
    print(
        f"\n| SYNC_INTERVAL | syncs a day | Strava requests per runner per day | runners one "
        f"application can serve at Strava's default limits ({limits['daily']:,}/day, "
        f"{limits['15min']}/15 min) |"
    )
    print("| ---: | ---: | ---: | ---: |")
    for row in q["capacity"]:
        print(
            f"| {row['sync_interval']:,} s | {row['syncs_per_day']:g} "
            f"| {row['requests_per_runner_day']:.2f} | **{row['runners']:,}** "
            f"({row['bound_by']}) |"
        )


def report(results: dict[str, Any]) -> None:
    m, s = results["machine"], results["setup"]
    print(f"machine: nproc {m['nproc']}, {m['cpu']}, {m['memory_gb']} GB, {m['os']}")
    print(
        f"         Python {m['python']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, "
        + ", ".join(f"{k} {m[k]}" for k in ("celery", "gunicorn", "SQLAlchemy", "psycopg"))
    )
    print(
        f"         revision {m['revision']}; CPUs busy with other work before the run: "
        f"{m['busy_cpus_before']:.2f}"
        + (
            " (NOT IDLE: the figures are low and noisy)"
            if m["busy_cpus_before"] > BUSY_CPUS
            else ""
        )
    )
    print(f"command: {results['command']}")
    print(
        f"setup: strava-sim seeded {s['athletes']:,} athletes x {s['per_athlete']} activities "
        f"({s['activities']:,}) in {s['seeding_s']:.1f} s; {s['runners']:,} runners linked in "
        f"{s['linking_s']:.1f} s; {s['running']:,} running activities to sync "
        f"({s['running_baseline']:,} for the baseline's {s['baseline_runners']} runners)"
    )
    p = results["parameters"]
    print(
        f"services: dataservice {p['dataservice_workers']} gunicorn sync workers on PostgreSQL, "
        f"strava-sim {p['sim_workers']} on SQLite, tokendealer 1, a private redis-server "
        f"(broker and budget); Celery prefork, per_page 200, rate limits lifted"
    )
    print_rounds(results["rounds"])
    print_cpu_per_round(results["rounds"], m["nproc"])
    if ratio := results.get("ratio"):
        print(
            f"\nratio batched / row by row: **{ratio['ratio']:.1f}x** ({ratio['batched']:,.0f} "
            f"against {ratio['row_by_row']:,.0f} runs/s, row by row on {ratio['runners']} runners "
            f"with {ratio['concurrency']} worker processes)"
        )
    for r in results["rounds"]:
        if r is results["rounds"][0] or r["row_by_row"]:
            print_breakdown(r)
            print_cpu(r, m["nproc"])
        if r["profiled"]:
            print_profile(r)
    if requests := results.get("requests"):
        print_requests(requests)
    for r in [*results["rounds"], *results.get("requests", {}).get("rounds", [])]:
        for problem in r["problems"]:
            print(f"PROBLEM in {r['name']}: {problem}", file=sys.stderr)
    for service, lines in results.get("service_errors", {}).items():
        print(f"{service} logged errors:", *lines, sep="\n  ", file=sys.stderr)


def targets(results: dict[str, Any]) -> list[str]:
    """What failed: a batched round below the target, a round that did not sync right, a
    service that logged an error, a reconciliation that got the changes wrong or cost more
    than 1 request per runner + the deletions it checked."""
    failed = [f"{service} logged errors" for service in results.get("service_errors", {})]
    for r in results["rounds"]:
        if r["problems"]:
            failed.append(f"round {r['name']}: {len(r['problems'])} problems (listed above)")
        elif not r["row_by_row"] and not r["profiled"] and r["runs_per_s"] < TARGET:
            failed.append(f"round {r['name']}: {r['runs_per_s']:,.0f} runs/s, target {TARGET:,}")
    if q := results.get("requests"):
        incremental, reconciliation = q["rounds"]
        if incremental["problems"]:
            failed.append(
                f"incremental round: {len(incremental['problems'])} problems (listed above)"
            )
        if reconciliation["problems"]:
            failed.append(
                f"reconciliation round got the data wrong: {len(reconciliation['problems'])} "
                "problems (listed above)"
            )
        if q["extra_per_runner_day"] > q["allowed_extra"] + 1e-9:
            failed.append(
                f"reconciliation: {q['extra_per_runner_day']:.2f} extra Strava requests per "
                f"runner per day, above 1 + the deletions checked ({q['allowed_extra']:.2f})"
            )
    return failed
