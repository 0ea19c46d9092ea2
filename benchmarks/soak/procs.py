"""The stack's processes by service name, with their memory (RSS) and CPU time, from /proc.

honcho starts one child per Procfile entry (a fork of itself, which runs the command in a
shell); every process below it belongs to the entry's service (a gunicorn master and its
workers, Celery's main process and its prefork children, nginx's master and workers). A
process is named ``service`` (the service's first process) or ``service/child-N`` (the
others, breadth first, in pid order).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common.repo import ROOT

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Sample:
    pid: int
    name: str
    rss_kb: int
    cpu_s: float


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        name, sep, command = line.partition(":")
        if sep and not line.startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def _stat(pid: int) -> tuple[int, str, float, int] | None:
    """(parent pid, command name, CPU seconds, RSS in KB), or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    return int(fields[1]), comm, cpu, int(fields[21]) * PAGE_KB


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            children.setdefault(stat[0], []).append(int(entry.name))
    return children


def sample(root_pid: int) -> list[Sample]:
    """Every process under honcho (``root_pid``), named for its Procfile entry."""
    entries = procfile()
    children = _children()
    found: list[Sample] = []
    for top in sorted(children.get(root_pid, [])):
        tree, todo = [], [top]
        while todo:  # breadth first: the service's own process before its children
            pid = todo.pop(0)
            tree.append(pid)
            todo.extend(sorted(children.get(pid, [])))
        commands = [_cmdline(pid) for pid in tree]
        service = next(
            (n for line in commands for n, c in entries.items() if c in line), f"pid-{top}"
        )
        rows = []
        for pid, command in zip(tree, commands, strict=True):
            stat = _stat(pid)
            # honcho's own helper (a fork of honcho) and the shell it runs the command in
            if stat is None or stat[1] in ("sh", "dash", "bash") or "honcho" in command:
                continue
            rows.append((pid, stat))
        for i, (pid, (_, _, cpu, rss)) in enumerate(rows):
            name = service if i == 0 else f"{service}/child-{i}"
            found.append(Sample(pid, name, rss, cpu))
    return found


def own(pid: int) -> Sample | None:
    """One process outside the stack (the load generator)."""
    stat = _stat(pid)
    return Sample(pid, stat[1], stat[3], stat[2]) if stat else None


def cpu_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot, all CPUs."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICKS, sum(fields) / TICKS
