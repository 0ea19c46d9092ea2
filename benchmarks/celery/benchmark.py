"""Celery retry benchmark: how much a prefork pool child grows per task, by how the task ends.

Reproduces the figures in docs/performance.md ("Soak"): on Celery's prefork pool with a Redis
broker, every ``raise self.retry(countdown=600)`` leaves a few hundred KB in the pool child,
while a task that re-sends itself with ``apply_async(countdown=600)`` and returns (what
strava-worker does for a budget wait, ``strava_worker.tasks.send_later``) leaves next to
nothing.  Three kinds of task (:mod:`benchmarks.celery.app`): one that returns, one that retries,
one that calls our real ``send_later`` (it needs only ``task.apply_async``, none of the
worker's settings, so the path measured is strava-worker's own).

Each kind gets a fresh ``celery worker -c 1 --pool prefork`` (the project's Celery, as
strava-worker runs it) on its own database of a private ``redis-server``, so kinds do not mix
and the messages waiting 600 s are never run.  After a warm-up (first imports, connections),
it sends --batches batches of --tasks tasks, waits until the worker ran them all (its
``inspect stats`` totals, nothing active) and reads the RSS of the worker's only child from
/proc before and after each batch.  The main process's RSS is shown too: it holds every
waiting message (retried or re-sent alike) until its countdown, a few KB each.

Exits 1 when the send_later kind grows the child by more than --max-kb-per-task (50 KB) per
task over the run: the first bare reproduction measured at most 3 KB per task for it (1.3 MB
for 400) and about 300 KB per task for the retry, so 50 KB stays clear of allocator noise (a
few MB over 400 tasks) and still catches the send path leaking a sixth of what the retry does.
The retry's growth is the observation this reproduces, not a failure.  Also exits 1 when a
worker logged an error.
Run: .venv/bin/python -m benchmarks.celery [--tasks 200] [--json] [--help]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from celery import Celery

from benchmarks.common.machine import busy_cpus, cpu_model
from benchmarks.common.repo import ROOT, invocation
from runnerly_common.testing import CeleryProcess
from runnerly_common.testing.redis import RedisServer, server_version

KINDS = {"returns": "bench.returns", "retry": "bench.retry", "send_later": "bench.send_later"}
SETTLE_S = 1.0  # after the last task: the child finishes its bookkeeping before RSS is read


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        **{name: version(name) for name in ("celery", "kombu", "billiard", "redis")},
        "redis_server": server_version(),
        "busy_cpus_before": busy_cpus(),
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def children(pid: int) -> list[int]:
    """Every child of ``pid``, whichever of its threads forked it."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that just ended
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def only_child(worker: CeleryProcess) -> int:
    """The pid of the worker's one pool child (``-c 1``)."""
    kids = children(worker.pid)
    if len(kids) != 1:
        raise RuntimeError(f"the worker has {len(kids)} child processes, not one: {kids}")
    return kids[0]


@contextlib.contextmanager
def running_worker(work: Path, broker: str, kind: str) -> Iterator[CeleryProcess]:
    """``celery worker -c 1 --pool prefork`` on the bench app (:mod:`benchmarks.celery.app`),
    stopped warm: the waiting messages go back to Redis."""
    args = ["worker", "--concurrency=1", "--pool=prefork"]
    # Only the main process's chatter; the pool child runs the same code either way.
    args += ["--without-heartbeat", "--without-gossip", "--without-mingle", f"--hostname={kind}@%h"]
    worker = CeleryProcess(
        f"worker-{kind}",
        args,
        env={"BENCH_CELERY_RETRY_BROKER": broker, "PYTHONPATH": str(ROOT)},
        workdir=work,
        app="benchmarks.celery.app",
    )
    with worker:
        yield worker
        worker.stop(60)


def run_tasks(client: Celery, worker: CeleryProcess, name: str, count: int, total: int) -> None:
    """Send ``count`` tasks and wait until the worker has run ``total`` of them, none left
    running (the retried and re-sent messages wait 600 s: they are not counted)."""
    with client.producer_or_acquire() as producer:
        for _ in range(count):
            client.send_task(name, producer=producer)
    deadline = time.monotonic() + 60 + count * 0.5
    inspect = client.control.inspect(timeout=1.0, limit=1)
    while time.monotonic() < deadline:
        if not worker.running:
            raise RuntimeError("the worker ended:\n" + worker.log()[-3000:])
        stats = next(iter((inspect.stats() or {}).values()), {})
        if stats.get("total", {}).get(name, 0) >= total:
            active = next(iter((inspect.active() or {}).values()), None)
            if active == []:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name}: {total} tasks not run in time:\n" + worker.log()[-3000:])


def measure_kind(
    work: Path, broker: str, kind: str, tasks: int, batches: int, warmup: int
) -> dict[str, Any]:
    """The child's (and the main process's) RSS after the warm-up and after each batch."""
    name = KINDS[kind]
    client = Celery("celery_retry_client", broker=broker)
    try:
        with running_worker(work, broker, kind) as worker:
            child = only_child(worker)
            run_tasks(client, worker, name, warmup, warmup)
            time.sleep(SETTLE_S)
            samples = [{"tasks": 0, "child_kb": rss_kb(child), "main_kb": rss_kb(worker.pid)}]
            for batch in range(1, batches + 1):
                run_tasks(client, worker, name, tasks, warmup + batch * tasks)
                time.sleep(SETTLE_S)
                if only_child(worker) != child:
                    raise RuntimeError(f"{kind}: the pool child was replaced during the run")
                sample = {"child_kb": rss_kb(child), "main_kb": rss_kb(worker.pid)}
                samples.append({"tasks": batch * tasks, **sample})
            errors = worker.errors_in_log()
    finally:
        client.close()
    first, last = samples[0], samples[-1]
    return {
        "kind": kind,
        "task": name,
        "samples": samples,
        "child_growth_kb": last["child_kb"] - first["child_kb"],
        "kb_per_task": (last["child_kb"] - first["child_kb"]) / max(last["tasks"], 1),
        "main_growth_kb": last["main_kb"] - first["main_kb"],
        "worker_errors": errors[:20],
    }


def report(results: dict[str, Any]) -> None:
    m = results["machine"]
    print(f"machine: nproc {m['nproc']}, {m['cpu']}, {m['os']}")
    names = ("python", "celery", "kombu", "billiard", "redis")
    print("         " + ", ".join(f"{n} {m[n]}" for n in names) + f", Redis {m['redis_server']}")
    print(f"         CPUs busy with other work before the run: {m['busy_cpus_before']:.2f}")
    print(f"command: {results['command']}")
    print(f"prefork worker -c 1, warm-up of {results['warmup']} tasks before the first sample")
    header = f"{'kind':11} {'tasks':>8} {'child before':>13} {'child after':>12} {'KB/task':>8}"
    print(header + f" {'main after':>11}")
    for kind in results["kinds"]:
        samples = kind["samples"]
        for before, after in itertools.pairwise(samples):
            per_task = (after["child_kb"] - before["child_kb"]) / (after["tasks"] - before["tasks"])
            tasks = f"{before['tasks']}→{after['tasks']}"
            print(
                f"{kind['kind']:11} {tasks:>8}"
                f" {before['child_kb'] / 1024:10.1f} MB {after['child_kb'] / 1024:9.1f} MB"
                f" {per_task:8.1f} {after['main_kb'] / 1024:8.1f} MB"
            )
        print(
            f"{kind['kind']:11} {'all':>8} {'':13} {kind['child_growth_kb'] / 1024:+9.1f} MB"
            f" {kind['kb_per_task']:8.1f}"
        )


def check(results: dict[str, Any], max_kb: float) -> int:
    """Exit status: 1 when the send_later path grows the child or the worker logged errors."""
    if (busy := results["machine"]["busy_cpus_before"]) > 0.25:
        note = f"other work kept {busy:.2f} CPUs busy: the run is slower, the growth the same"
        print(f"WARNING: {note}", file=sys.stderr)
    by_kind = {kind["kind"]: kind for kind in results["kinds"]}
    failed = False
    for kind in results["kinds"]:
        if kind["worker_errors"]:
            print(f"FAIL: the {kind['kind']} worker logged errors:", file=sys.stderr)
            print("\n".join(kind["worker_errors"]), file=sys.stderr)
            failed = True
    if (sent := by_kind.get("send_later")) and sent["kb_per_task"] > max_kb:
        why = f"{sent['kb_per_task']:.1f} KB per task, above {max_kb:g} KB"
        print(f"FAIL: send_later (strava-worker's wait) grows the child {why}", file=sys.stderr)
        failed = True
    if (retried := by_kind.get("retry")) and retried["kb_per_task"] <= max_kb:
        note = f"{retried['kb_per_task']:.1f} KB per task: the retry leak did not reproduce"
        print(f"NOTE: Task.retry grows the child {note}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.celery", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--tasks", type=int, default=200, help="tasks per batch (200)")
    add("--batches", type=int, default=2, help="batches per kind, one sample after each (2)")
    add("--warmup", type=int, default=20, help="tasks run before the first sample (20)")
    add("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS), help="(all three)")
    add("--max-kb-per-task", type=float, default=50, help="send_later's limit (50 KB)")
    add("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the worker and Redis stop too
    command = invocation()
    results: dict[str, Any] = {"machine": machine(), "command": command, "warmup": args.warmup}
    with (
        tempfile.TemporaryDirectory(prefix="bench-celery-retry-") as tmp,
        RedisServer(Path(tmp) / "redis") as redis,
    ):
        results["kinds"] = [  # a Redis database per kind: no message of one reaches another
            measure_kind(Path(tmp), redis.url(db), kind, args.tasks, args.batches, args.warmup)
            for db, kind in enumerate(args.kinds)
        ]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return check(results, args.max_kb_per_task)


if __name__ == "__main__":
    sys.exit(main())
