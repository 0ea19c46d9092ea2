"""The headline figures benchmarks/report.py prints of each benchmark's JSON results.

One function per benchmark, each reading the keys that script writes; the whole results stay in
the report's JSON, so a figure left out here is still there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rows = list[tuple[str, str]]


def _ms(value: float) -> str:
    return f"{value:,.2f} ms" if value < 10 else f"{value:,.0f} ms"


def tokens(r: dict[str, Any]) -> Rows:
    rows = [
        (
            f"tokens issued over HTTP, {h['client_threads']} client thread(s)",
            f"{h['tokens_per_s']:,.0f}/s",
        )
        for h in r["http"]
    ]
    v = r["verification"]
    rows += [
        ("bare `jwt.decode`, key in hand", f"{v['bare_us']:.1f} µs"),
        ("`TokenVerifier.verify`, cached JWKS (ours)", f"{v['toolkit_us']:.1f} µs"),
        ("ratio ours / bare (target ≤ 1.5x)", f"{v['ratio']:.2f}x"),
    ]
    for h in r["http_verification"]:
        rows.append(
            (
                f"`POST /verify_token` (the book), {h['client_threads']} client thread(s)",
                f"{h['verifications_per_s']:,.0f}/s, "
                f"p50 {_ms(h['p50_ms'])}, p99 {_ms(h['p99_ms'])}",
            )
        )
    b = r["book_design"]
    rows += [
        ("ratio book / ours, per verification (HTTP p50)", f"{b['verify_ratio']:.1f}x"),
        ("protected Flask request, local verification", f"{b['view_local_us']:.0f} µs"),
        (
            "protected Flask request, `/verify_token` per request",
            f"{b['view_verify_token_us']:.0f} µs",
        ),
        ("ratio book / ours, per protected request", f"{b['view_ratio']:.1f}x"),
    ]
    return rows


def dataservice(r: dict[str, Any]) -> Rows:
    rows = [
        (
            f"{check['name']} (target {'≤' if check['unit'] == 'ms' else '≥'} {check['target']:,})",
            f"{check['value']:,.2f} {check['unit']}",
        )
        for check in r["targets"]
    ]
    b = r["bulk"]
    rows += [
        ("row-by-row ORM inserts (baseline)", f"{b['row_by_row']['runs_per_s']:,.0f} runs/s"),
        ("ratio bulk / row by row", f"{b['ratio']:.1f}x"),
        (
            "`POST runs/batch` over HTTP, new runs",
            f"{b['http_batch_new']['runs_per_s']:,.0f} runs/s",
        ),
        ("month query over HTTP, p99", _ms(r["http"]["month"]["p99_ms"])),
    ]
    return rows


def partition(r: dict[str, Any]) -> Rows:
    rows = []
    for size in r["sizes"]:
        reads, writes, runs = size["reads"], size["writes"], size["tables"]["runs"]
        rows += [
            (
                f"{size['runs']:,} runs, {layout}: month / summary p99, bulk upsert, "
                "longest VACUUM of one runs table",
                f"{_ms(reads[layout]['month']['p99_ms'])} / "
                f"{_ms(reads[layout]['summary']['p99_ms'])}, "
                f"{writes[layout]['bulk_runs_per_s']:,.0f} runs/s, "
                f"{runs[layout]['vacuum_s_max']:,.1f} s",
            )
            for layout in ("single", "hash", "shards")
        ]
    h = r["headline"]
    rows += [
        (
            f"month p99 at {h['runs']:,} runs, hash-partitioned / single table",
            f"{h['hash_vs_single_month_p99']:.2f}x",
        ),
        (
            f"month p99 at {h['runs']:,} runs, sharded over 2 databases / single table",
            f"{h['shards_vs_single_month_p99']:.2f}x",
        ),
    ]
    return rows


def sync(r: dict[str, Any]) -> Rows:
    rows = [
        (
            f"{round_['name']}: {round_['runners']:,} runners, {round_['runs']:,} runs, "
            f"concurrency {round_['concurrency']}",
            f"{round_['runs_per_s']:,.0f} runs/s",
        )
        for round_ in r["rounds"]
    ]
    if ratio := r.get("ratio"):
        rows.append(("ratio batched / one run per request", f"{ratio['ratio']:.1f}x"))
    if q := r.get("requests"):
        rows += [
            (
                "Strava requests per runner: incremental sync / reconciliation",
                f"{q['incremental_per_runner']:.2f} / {q['reconciliation_per_runner']:.2f} "
                f"({q['ratio']:.2f}x)",
            ),
            (
                "reconciliation's extra cost per runner per day (allowed: 1 + deletions checked)",
                f"{q['extra_per_runner_day']:.2f} requests ({q['allowed_extra']:.2f})",
            ),
        ]
        rows += [
            (
                f"runners one application serves at 1,000 requests/day, "
                f"SYNC_INTERVAL {row['sync_interval']:,} s",
                f"{row['runners']:,}",
            )
            for row in q["capacity"]
        ]
    return rows


def gateway(r: dict[str, Any]) -> Rows:
    rows = [
        (
            f"{name}: requests/s, p50, p99",
            f"{row['rps_median']:,.0f}/s, {_ms(row['p50_ms'])}, {_ms(row['p99_ms'])}",
        )
        for name, row in r["throughput"].items()
    ]
    g = r["throughput"]["gateway"]
    rows += [
        ("ratio gateway / direct (target ≥ 0.85)", f"{g['ratio_to_direct']:.2f}x"),
        ("ratio gateway / ModSecurity + CRS (target > 1)", f"{g['ratio_to_crs']:.2f}x"),
    ]
    if p := r.get("precision"):
        greedy = p["overloading_client"]
        rows.append(
            (
                "accepted rate of a client at 3x its limit, off the limit by",
                f"{greedy['error']:+.1%}",
            )
        )
    return rows


def waf(r: dict[str, Any]) -> Rows:
    rows = []
    for source in sorted({row["source"] for row in r["rows"]}, key=lambda x: x != "ours"):
        mine = [row for row in r["rows"] if row["source"] == source]
        for label, group in (
            ("attacks blocked", [row for row in mine if not row["kind"].startswith("benign")]),
            ("benign requests refused", [row for row in mine if row["kind"].startswith("benign")]),
        ):
            cases = sum(row["cases"] for row in group)
            if cases:
                ours, crs = sum(row["ours"] for row in group), sum(row["crs"] for row in group)
                rows.append(
                    (
                        f"{source} cases: {label} ({cases:,}), ours / CRS",
                        f"{ours / cases:.1%} / {crs / cases:.1%}",
                    )
                )
    load = {name: w for name, w in r.get("wrk", {}).items() if name != "cases"}
    if load:
        rows.append(
            (
                "benign load, requests/s: " + " / ".join(load),
                " / ".join(f"{w['requests_per_s']:,.0f}" for w in load.values()),
            )
        )
    if (base := r.get("baseline")) and "throughput_ratio" in base:
        rows += [
            (
                f"WAF now vs at {base['rev']}: benign requests/s through the gateway, new / old "
                "(target ≥ 3x)",
                f"{base['requests_per_s']:,.0f} / {base['baseline_requests_per_s']:,.0f} = "
                f"{base['throughput_ratio']:.2f}x",
            ),
            (
                "… the WAF's own cost per request, old / new",
                f"{base['baseline_waf_us']:.0f} / {base['waf_us']:.0f} µs = "
                f"{base['cost_ratio']:.2f}x cheaper",
            ),
            ("… cases on which the two WAFs' verdicts differ", str(base["verdicts_differ"])),
        ]
        if "alone_cpu_ratio" in base:
            rows.append(
                (
                    "… the WAF alone on a trivial handler, benign requests/s new / old; nginx CPU",
                    f"{base['alone_requests_per_s']:,.0f} / "
                    f"{base['alone_baseline_requests_per_s']:,.0f} = {base['alone_ratio']:.2f}x; "
                    f"{base['alone_baseline_cpu_us']:.0f} -> {base['alone_cpu_us']:.0f} µs",
                )
            )
        if "capacity_ratio" in base:
            rows.append(
                (
                    "… nginx CPU per benign request, old / new (WAF off)",
                    f"{base['baseline_cpu_us']:.0f} / {base['cpu_us']:.0f} µs "
                    f"({base['nowaf_cpu_us']:.0f}) = {base['capacity_ratio']:.2f}x",
                )
            )
    return rows


def web(r: dict[str, Any]) -> Rows:
    d = r["dashboard"]
    return [
        (
            "JavaScript gzipped, up front (target ≤ 200 KB) / all chunks",
            f"{r['bundle'].get('upfront_gzip_kb', '?')} / {r['bundle']['total_gzip_kb']} KB",
        ),
        (f"{d['runs']:,} runs loaded through the bulk endpoint", f"{d['load_runs_s']} s"),
        (
            "dashboard drawn, median / p95",
            f"{d['drawn_ms']['median']:.0f} / {d['drawn_ms']['p95']:.0f} ms",
        ),
        (
            f"dashboard interactive, median / p95, {d.get('viewport', 'desktop')}, CPU "
            f"{d.get('cpu_slowdown', 1):g}x slower (target ≤ 1.5 s)",
            f"{d['interactive_ms']['median']:.0f} / {d['interactive_ms']['p95']:.0f} ms",
        ),
        *(
            [
                (
                    "… the same at full CPU speed (baseline), median; slowed / baseline",
                    f"{d['baseline']['interactive_ms']['median']:.0f} ms; "
                    f"{d['ratio_to_baseline']:.2f}x",
                )
            ]
            if "baseline" in d
            else []
        ),
    ]


def celery_retry(r: dict[str, Any]) -> Rows:
    return [
        (
            f"{k['kind']} (`{k['task']}`): pool child after {k['samples'][-1]['tasks']:,} tasks",
            f"{k['child_growth_kb'] / 1024:+,.1f} MB, {k['kb_per_task']:,.1f} KB per task",
        )
        for k in r["kinds"]
    ]


def soak(r: dict[str, Any]) -> Rows:
    e = r["errors"]
    rows = [
        ("runners at once", f"{r.get('runners', r['users']):,}, {r['wait']} s between actions"),
        ("requests (whole run)", f"{e['requests']:,} ({e['steady_rps']} /s after the warm-up)"),
        ("errors other than 429 (target 0)", f"{e['errors']:,}"),
        ("429s (intended: limits, Sync now cooldown)", f"{e['rate_limited']:,}"),
    ]
    rows += [
        (f"{s['name']}: p50 / p95 / p99", f"{s['p50']:.0f} / {s['p95']:.0f} / {s['p99']:.0f} ms")
        for s in r["stats"]
        if s["type"] == "action"
    ]
    grown = [m for m in r["memory"] if m["growth_pct"] is not None]
    if grown:
        top = max(grown, key=lambda m: m["growth_pct"])
        rows.append(
            (
                "largest memory growth after the warm-up (target ≤ 10 %)",
                f"{top['growth_pct']:+.1f} % "
                f"({top['name']}, {top['warm_mb']} → {top['end_mb']} MB)",
            )
        )
    ended = [m["name"] for m in r["memory"] if m["warm_mb"] is not None and m["end_mb"] is None]
    rows.append(("processes that ended during the load", ", ".join(ended) or "none"))
    queueing = r.get("web_queueing")  # since issue 21
    if queueing:
        rows.append(
            (
                "queueing in front of runnerly-web, share of the gateway's wait (target < 5 %)",
                "not measured (runnerly-web's /metrics did not answer)"
                if queueing["share_pct"] is None
                else f"{queueing['share_pct']} % ({queueing['queued_s']:,.1f} of "
                f"{queueing['gateway_upstream_s']:,.1f} s)",
            )
        )
    if r.get("load_during"):
        rows.append(
            (
                "load average after the warm-up (other work on the machine), mean / highest",
                f"{r['load_during']['mean']} / {r['load_during']['max']}",
            )
        )
    rows += [
        (f"time spent after the warm-up: {layer}", f"{seconds:,.1f} s")
        for layer, seconds in r.get("layers_s", {}).items()
    ]
    return rows


def chaos(r: dict[str, Any]) -> Rows:
    rows = []
    for case in r["cases"]:
        p = case["properties"]
        if "fault_s" not in p:  # test_nodes.py: a lost node, the rate limit across nodes
            figures = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in p.items())
            name = case["name"].removeprefix("test_").replace("_", " ")
            rows.append((name, f"{case['outcome']}; {figures}"))
            continue
        rows.append(
            (
                case["name"].removeprefix("test_").replace("_", " "),
                f"{case['outcome']}; fault {p.get('fault_s', '?')} s; every run stored "
                f"{p.get('all_synced_after_fault_s', '?')} s after it "
                f"({p.get('runners_checked', '?')} runners); writes accepted "
                f"{p.get('writes_accepted', '?')}, sent again {p.get('writes_sent_again', '?')}",
            )
        )
    return rows


HEADLINES: dict[str, Callable[[dict[str, Any]], Rows]] = {
    "tokens": tokens,
    "dataservice": dataservice,
    "partition": partition,
    "sync": sync,
    "gateway": gateway,
    "waf": waf,
    "web": web,
    "celery_retry": celery_retry,
    "chaos": chaos,
    "soak": soak,
}
