"""nginx's error log as the JSON lines every Runnerly process writes (runnerly_common.logs).

nginx cannot format its error log, nor Lua's ``ngx.log`` lines, which go there too; the
gateway reads it from nginx's stderr and writes each line as an object with ``time``,
``level``, ``logger``, ``message``, ``service`` and ``request_id``, plus what the line's
context says (``client``, ``request``, ``upstream``, ``host``...). The access log, JSON
already (runnerly/accesslog.lua), passes through unchanged, and lends its ``request_id`` to
the error lines of the same connection: nginx writes a request's errors before its access
line (both on one pipe, in order), so those wait for it (at most ``HOLD_SECONDS``).

Query strings never reach a line: every parameter's value is replaced (a redirect's
``code``, ``state``, a verify token...), whatever its name.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

SERVICE = "gateway"
HOLD_SECONDS = 2.0
REDACTED = "[redacted]"

# nginx's levels, as Python's logging names them (what the services write).
LEVELS = {
    "debug": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warn": "WARNING",
    "error": "ERROR",
    "crit": "CRITICAL",
    "alert": "CRITICAL",
    "emerg": "CRITICAL",
}
# "2026/12/07 12:50:23 [error] 17#17: *5 message, client: ..., request: "GET / HTTP/1.1""
# or, before nginx has read its configuration, "nginx: [emerg] message".
_LINE = re.compile(
    r"(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d|nginx:) \[(?P<level>[a-z]+)\] "
    r"(?:(?P<pid>\d+)#\d+: )?(?:\*(?P<connection>\d+) )?(?P<message>.*)"
)
_LUA = re.compile(r"\[lua\] (?P<where>[^ ]+:\d+): (?:[^ ]+\(\): )?")
# nginx's context, appended to lines about a request: ", client: 1.2.3.4, server: _, ...".
_CONTEXT = re.compile(
    r', (client|server|request|subrequest|upstream|host|referrer): ("(?:[^"\\]|\\.)*"|[^,]*)'
)
# A query: from "?" to the end of the URL (a space or a quote ends it in nginx's lines).
_QUERY = re.compile(r"\?([^\s\"']*)")


def redact_query(text: str) -> str:
    """``text`` with every query parameter's value replaced: ``?code=[redacted]&state=...``."""

    def replace(match: re.Match[str]) -> str:
        parts = []
        for pair in match[1].split("&"):
            name, sep, _ = pair.partition("=")
            parts.append(f"{name}={REDACTED}" if sep else name)
        return "?" + "&".join(parts)

    return _QUERY.sub(replace, text)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry(logger: str, message: str) -> dict[str, Any]:
    """A log entry with the keys every Runnerly line has (``level`` ERROR until set)."""
    return {
        "time": now_iso(),
        "level": "ERROR",
        "logger": logger,
        "message": message,
        "service": SERVICE,
        "request_id": None,
    }


def error_entry(line: str) -> dict[str, Any]:
    """One line of nginx's error log (or anything else it wrote to stderr) as a log entry."""
    line = redact_query(line.rstrip("\r\n"))
    record = entry("gateway.nginx", line)
    match = _LINE.match(line)
    if not match:
        return record  # not nginx's format: kept whole, as an error
    message = match["message"]
    record["level"] = LEVELS.get(match["level"], "ERROR")
    record["nginx_level"] = match["level"]
    if match["pid"]:
        record["pid"] = int(match["pid"])
    if match["connection"]:
        record["connection"] = int(match["connection"])
    context_at = message.find(", client: ")
    if context_at >= 0:
        for name, value in _CONTEXT.findall(message[context_at:]):
            record[name] = value[1:-1] if value.startswith('"') else value
        message = message[:context_at]
    lua = _LUA.match(message)
    if lua:
        record["logger"] = "gateway.lua"
        record["lua"] = lua["where"]
        message = message[lua.end() :]
    record["message"] = message
    return record


def encode(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")) + "\n"


class Correlator:
    """Gives nginx's error lines the request id of their request, then writes them.

    A line about a request names its connection (``*5``); the access line of the request,
    written when it ends, carries the same ``connection`` and the ``request_id``. Lines
    without a connection, and those whose request never logs (the status server's), are
    written at once or after ``HOLD_SECONDS``.
    """

    def __init__(self, write: Callable[[str], None], hold: float = HOLD_SECONDS) -> None:
        self._write = write
        self._hold = hold
        self._pending: dict[int, list[tuple[float, dict[str, Any]]]] = {}

    def error_line(self, line: str) -> None:
        entry = error_entry(line)
        connection = entry.get("connection")
        if connection is None:
            self._write(encode(entry))
            return
        self._pending.setdefault(connection, []).append((time.monotonic(), entry))

    def line(self, line: str) -> None:
        """A line of nginx's output: an access line (a JSON object) or anything else."""
        access = None
        if line.startswith("{"):
            try:
                access = json.loads(line)
            except ValueError:
                access = None
        if not isinstance(access, dict):  # never pass a raw line through
            self.error_line(line)
            return
        # Lines of the same connection held now came after its previous request's access
        # line (or they would have gone with it): they are this request's.
        for _, entry in self._pending.pop(access.get("connection"), []):  # type: ignore[arg-type]
            entry["request_id"] = access.get("request_id")
            self._write(encode(entry))
        self._write(line if line.endswith("\n") else line + "\n")

    def flush(self, everything: bool = False) -> None:
        """Write the lines held longer than the hold (all of them at the end)."""
        limit = time.monotonic() - self._hold
        for connection in list(self._pending):
            held = self._pending[connection]
            due = [item for item in held if everything or item[0] <= limit]
            for item in due:
                self._write(encode(item[1]))
                held.remove(item)
            if not held:
                del self._pending[connection]
