"""gunicorn's configuration for every Runnerly service: a plain gunicorn config file.

``runnerly_common.server.serve`` loads it first (``python:runnerly_common.gunicorn_config``),
then an operator's own file if ``GUNICORN_CMD_ARGS`` names one with ``--config``, then the
service's settings (bind address, ``<PREFIX>WORKERS`` when set, log level), then the other
flags of ``GUNICORN_CMD_ARGS``.  Every module-level name gunicorn knows is a setting.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from gunicorn import glogging

from runnerly_common import metrics as _metrics
from runnerly_common.logs import make_json as _make_json


def cpu_count() -> int:
    """CPUs this process may use: its affinity mask, and a container's CPU quota
    (cgroup v2 ``cpu.max``) when one is set, which ``os.cpu_count()`` ignores."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return count
    if quota != "max":
        count = min(count, max(1, math.ceil(int(quota) / int(period))))
    return count


class JsonLogger(glogging.Logger):
    """gunicorn's own messages (start, workers, errors) as JSON lines, like the app's."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            _make_json(handler, cfg.proc_name or "gunicorn")


# gunicorn's rule of thumb for sync workers: two per CPU, one more for the one blocked on I/O.
# Every deployment writes its count down instead (<PREFIX>WORKERS; docs/operations.md).
workers = cpu_count() * 2 + 1
# One request at a time per process unless the service's settings ask for threads
# (<PREFIX>THREADS > 1: server.gunicorn_options switches to gthread).
worker_class = "sync"
threads = 1
# A sync worker running a request longer than this is killed with it (the gateway gives up
# sooner).  A gthread worker's heartbeat comes from its main loop, so there it catches a
# stuck process, not a slow request: the callers' own timeouts bound those.
timeout = 30
# On SIGTERM, requests in progress get this long to finish.  The orchestrator must wait
# longer before its SIGKILL: docker's default is 10 s, so compose sets stop_grace_period.
graceful_timeout = 20
# How long a gthread worker keeps an idle connection (sync workers close every one).
# Longer than the gateway's upstream keepalive_timeout (60 s, nginx.conf.j2): the side that
# sends the requests must be the one to close an idle connection, or a request sent just
# as gunicorn closes it is lost (nginx and urllib3 retry only idempotent ones).
keepalive = 75
limit_request_field_size = 16384
# gunicorn's largest bounded request line (its default is 4094): the gateway passes lines
# up to its 8k buffer (large_client_header_buffers), and a line between the two limits got
# gunicorn's HTML 414 through the gateway instead of the gateway's JSON one.
limit_request_line = 8190
# The app writes its own JSON access line (runnerly_common.logs), under any server.
accesslog = None
errorlog = "-"
logger_class = JsonLogger
# Several services run side by side; none needs gunicorn's runtime control socket.
control_socket_disable = True
# Worker heartbeats on tmpfs where there is one: a container's disk-backed /tmp can stall
# them long enough for the master to kill a healthy worker.
if Path("/dev/shm").is_dir():  # noqa: S108 - only gunicorn's heartbeat files, its own advice
    worker_tmp_dir = "/dev/shm"  # noqa: S108


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its live gauges leave the sums /metrics reports."""
    _metrics.mark_process_dead(worker.pid)
