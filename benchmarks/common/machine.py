"""What every benchmark says about the machine it ran on, and how it waits for an idle one.

The figures in docs/performance.md are only comparable when each names its commit, its CPU
and how busy the machine was before it started; these are the readings every script shares.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common.repo import ROOT


def busy_cpus(seconds: float = 2) -> float:
    """CPUs kept busy by other work, from /proc/stat's idle and iowait time over ``seconds``."""
    stat = Path("/proc/stat")
    before = [int(t) for t in stat.read_text().split()[1:9]]  # the "cpu" line's ticks
    time.sleep(seconds)
    spent = [int(t) - b for t, b in zip(stat.read_text().split()[1:9], before, strict=True)]
    return len(os.sched_getaffinity(0)) * (1 - (spent[3] + spent[4]) / max(sum(spent), 1))


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    return next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
        platform.processor(),
    )


def revision() -> str:
    """The commit measured, "+dirty" when tracked files have changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            [shutil.which("git") or "git", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_for_idle(threshold: float, longest: float) -> tuple[float, float]:
    """Wait until the 1-minute load average is below ``threshold``, at most ``longest``
    seconds; returns the load average then, and the seconds waited."""
    started = time.monotonic()
    announced = False
    while True:
        load = load_average()
        waited = time.monotonic() - started
        if load < threshold or waited >= longest:
            return load, waited
        if not announced:
            print(
                f"waiting for the 1-minute load average ({load:.2f}) to fall below "
                f"{threshold:g} (at most {longest:g} s)",
                file=sys.stderr,
            )
            announced = True
        time.sleep(5)
