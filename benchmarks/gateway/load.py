"""Load and what it costs, for benchmarks/gateway/: wrk runs with the CPU time each group of
processes spent on them, and waiting for the machine to be idle.

CPU time comes from /proc: ``utime + stime`` of a server's master and its children (nginx
workers, gunicorn workers) before and after a run, wrk's own from ``getrusage`` of waited
children, and the machine's from /proc/stat; divided by the requests wrk completed, they say
what one request cost each part.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


# --- CPU time ---------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: everything after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def family(pid: int) -> list[int]:
    """``pid`` and its children (nginx's or gunicorn's workers)."""
    pids = [pid]
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time of ``pids`` so far (processes gone by now count nothing)."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (every process, the kernel) so far."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK  # minus idle and iowait


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- wrk --------------------------------------------------------------------------------------


def _lua_string(text: str) -> str:
    escaped = "".join(
        c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\{ord(c):03d}" for c in text
    )
    return f'"{escaped}"'


def wrk_script(requests: Sequence[tuple[str, Mapping[str, str]]], path: Path) -> Path:
    """A wrk script sending ``requests`` (GET path, headers) round-robin."""
    lines = ["local requests = {}", "function init(args)"]
    for target, headers in requests:
        fields = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
        lines.append(
            f'  requests[#requests + 1] = wrk.format("GET", {_lua_string(target)}, {{{fields}}})'
        )
    lines += [
        "end",
        "local i = 0",
        "function request()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    url: str,
    script: Path,
    seconds: int,
    connections: int,
    threads: int,
    watch: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """One wrk run; with ``watch`` (name -> pids), the CPU microseconds per request each
    group of processes spent, with wrk's, the whole machine's, and the rest: what the
    machine spent beyond all of them (the kernel's network work outside any process, and
    any other work on the machine)."""
    command = [
        shutil.which("wrk") or "wrk", "-t", str(threads), "-c", str(connections),
        "-d", f"{seconds}s", "--latency", "-s", str(script), url,
    ]  # fmt: skip
    families = dict(watch or {})
    before = {name: cpu_seconds(pids) for name, pids in families.items()}
    wrk_before, machine_before = children_cpu_seconds(), machine_busy_seconds()
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    machine_after, wrk_after = machine_busy_seconds(), children_cpu_seconds()
    after = {name: cpu_seconds(pids) for name, pids in families.items()}
    out = result.stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    # wrk pads a value in seconds with a space ("1.19s ").
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if not (done and rps and {"50", "99"} <= percentiles.keys()):
        raise RuntimeError(f"unexpected wrk output:\n{out}\n{result.stderr}")
    requests = int(done.group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    per_request = {name: (after[name] - before[name]) / max(requests, 1) for name in families}
    per_request["wrk"] = (wrk_after - wrk_before) / max(requests, 1)
    per_request["machine"] = (machine_after - machine_before) / max(requests, 1)
    per_request["rest"] = per_request["machine"] - sum(
        cost for name, cost in per_request.items() if name != "machine"
    )
    return {
        "rps": float(rps.group(1)),
        "requests": requests,
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
        "cpu_us": {name: round(seconds * 1e6, 1) for name, seconds in per_request.items()},
    }
