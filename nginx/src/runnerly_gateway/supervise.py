"""Run nginx as a child and write its logs as JSON lines on stdout (runnerly_gateway.logs).

nginx writes its error log (and Lua's lines) to stderr and its access log to stdout, both
pipes to this process, which converts the first, passes the second on, and lends the access
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
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if process.poll() is None:
            process.send_signal(signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)

    assert process.stdout is not None and process.stderr is not None
    feeders = {
        # Error lines first: nginx writes a request's errors before its access line.
        process.stderr.fileno(): _lines(correlator.error_line),
        process.stdout.fileno(): _lines(correlator.access_line),
    }
    buffers = dict.fromkeys(feeders, b"")
    selector = selectors.DefaultSelector()
    for fd in feeders:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    while feeders:
        ready = sorted((key.fd for key, _ in selector.select(timeout=0.5)), key=list(feeders).index)
        for fd in ready:
            try:
                data = os.read(fd, _CHUNK)
            except BlockingIOError:
                continue
            buffers[fd] = feeders[fd](buffers[fd] + data, not data)
            if not data:  # nginx and its workers have closed it: they are gone
                selector.unregister(fd)
                del feeders[fd]
        correlator.flush()
        sys.stdout.flush()
    correlator.flush(everything=True)
    sys.stdout.flush()
    status = process.wait()
    return status if status >= 0 else 128 - status
