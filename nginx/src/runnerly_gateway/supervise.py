"""Run nginx as a child and write its logs as JSON lines on stdout (runnerly_gateway.logs).

nginx writes its error log (and Lua's lines) to stderr and its access log to stdout, one
pipe to this process, which converts the first, passes the second on, and lends the access
lines' request ids to the error lines of their requests. Signals reach nginx unchanged
(SIGTERM, SIGQUIT for a graceful stop, SIGHUP to reload), and nginx's exit status is this
process's.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Callable
from types import FrameType

from runnerly_gateway.logs import Correlator

FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)
_CHUNK = 65536


def _lines(handle: Callable[[str], None]) -> Callable[[bytes, bool], bytes]:
    """A feeder: bytes in, whole lines out to ``handle``; returns what is left over."""

    def feed(data: bytes, final: bool) -> bytes:
        *lines, rest = data.split(b"\n")
        if final and rest:
            lines.append(rest)
            rest = b""
        for line in lines:
            if line.strip():
                handle(line.decode("utf-8", "replace"))
        return rest

    return feed


def write_stdout(text: str) -> None:
    sys.stdout.write(text)


def supervise(command: list[str], write: Callable[[str], None] = write_stdout) -> int:
    """Run ``command`` (nginx in the foreground) with its output as JSON lines; its status."""
    correlator = Correlator(write)
    # One pipe for both logs keeps nginx's order: a request's error lines, then its access
    # line. Each is one write(2) of at most PIPE_BUF bytes (nginx cuts error lines at 2 kB,
    # the access line cuts its long fields), so lines of several workers never interleave.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)

    assert process.stdout is not None
    fd = process.stdout.fileno()
    feed = _lines(correlator.line)
    rest = b""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    while True:
        if selector.select(timeout=0.5):
            data = os.read(fd, _CHUNK)
            rest = feed(rest + data, not data)
            if not data:  # nginx and its workers have closed it: they are gone
                break
        correlator.flush()
        sys.stdout.flush()
    correlator.flush(everything=True)
    sys.stdout.flush()
    status = process.wait()
    return status if status >= 0 else 128 - status
