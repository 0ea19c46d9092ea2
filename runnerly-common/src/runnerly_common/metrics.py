"""Prometheus metrics of a Flask service: requests by route template and status, their
latency, the build, and the process; served on ``GET /metrics``.

Under gunicorn a scrape reaches one of several workers, so ``server.serve`` switches
prometheus-client to its multiprocess mode (:func:`prepare_multiprocess_dir`): every worker
writes its values to files in one directory and ``/metrics`` adds them all up.  The Celery
worker does the same for its pool's children.  Outside those (the Flask test client,
tests) the values live in this process's own registry.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from flask import Flask, Response, g, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Then the pid of the process that made the directory, and the service.
DIRECTORY_PREFIX = "runnerly-metrics-"
ENDPOINT = "runnerly_metrics"
UNMATCHED = "unmatched"
# From a cached read (a few ms) to a slow upload or report (seconds); past 10 s the
# gateway has long given up.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any other method a client invents is one label value, not a new series each time.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _Metrics:
    """The metric objects of this process, made on first use (see :func:`reset`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "runnerly_http_requests",
            "HTTP requests answered, by route template and status.",
            ["service", "route", "method", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "runnerly_http_request_duration_seconds",
            "Time from the request's arrival in the app to its response, in seconds.",
            ["service", "route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.build_info = Gauge(
            "runnerly_build_info",
            "Always 1: the service and the version of the package it runs.",
            ["service", "version"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        # Posted by browsers to a service's report endpoint (runnerly-web's csp-report).
        self.csp_reports = Counter(
            "runnerly_csp_reports",
            "Content-Security-Policy violations reported by browsers, by directive.",
            ["service", "directive"],
            registry=self.registry,
        )
        self._announced: set[tuple[str, str]] = set()
        if not multiprocess_dir():
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)

    def announce(self, service: str, version: str) -> None:
        if (service, version) not in self._announced:
            self.build_info.labels(service, version).set(1)
            self._announced.add((service, version))


_current: _Metrics | None = None


def _metrics() -> _Metrics:
    global _current
    if _current is None:
        _current = _Metrics()
    return _current


def count_csp_report(service: str, directive: str) -> None:
    """One violation a browser reported; ``directive`` must come from a fixed list."""
    _metrics().csp_reports.labels(service, directive).inc()


def reset() -> None:
    """Forget this process's metric objects: the next use makes new ones with the value
    class chosen now (multiprocess or not)."""
    global _current
    _current = None


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def use_multiprocess_dir(path: str | os.PathLike[str]) -> None:
    """Switch this process, and the workers it will fork, to multiprocess mode in ``path``.

    prometheus-client picks its value class when first imported, from the environment;
    a service has imported it long before its server starts, so the choice is made again
    here.  Values made before this call (in the master, by a ``prepare`` step that built
    the app) are dropped with the objects that held them.
    """
    os.environ[MULTIPROC_ENV] = os.fspath(path)
    values.ValueClass = values.get_value_class()
    reset()


def prepare_multiprocess_dir(service: str) -> str:
    """Switch this process, and the processes it forks later (gunicorn's workers, Celery's
    pool), to multiprocess mode in a directory without an earlier run's counts.

    The operator's ``PROMETHEUS_MULTIPROC_DIR`` is emptied and used; else a new directory,
    removed when this process exits, after those of processes killed before they could
    remove theirs (SIGKILL, the OOM killer).
    """
    path = multiprocess_dir()
    if path:
        empty_directory(path)
    else:
        remove_stale_directories()
        owner = os.getpid()
        directory = tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{owner}-{service}-")
        path = directory

        def remove_directory() -> None:
            # Forked children inherit the exit hook: only the owner removes the directory.
            if os.getpid() == owner:
                shutil.rmtree(directory, True)

        atexit.register(remove_directory)
    use_multiprocess_dir(path)
    return path


def remove_stale_directories(parent: str | os.PathLike[str] | None = None) -> None:
    """Remove the directories :func:`prepare_multiprocess_dir` made for processes gone."""
    for path in Path(parent or tempfile.gettempdir()).glob(f"{DIRECTORY_PREFIX}*"):
        pid = path.name.removeprefix(DIRECTORY_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def empty_directory(path: str | os.PathLike[str]) -> None:
    """Remove an earlier run's value files: its counts must not add to this one's.  Only
    prometheus-client's ``*.db`` files go, in case the directory was set to a shared one."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.glob("*.db"):
        if entry.is_file():
            entry.unlink()


def mark_process_dead(pid: int) -> None:
    """A worker or pool child exited: drop its live-gauge files (its counts stay in the sums)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)


def init_app(app: Flask, service: str, version: str) -> None:
    """Count every request of ``app`` and serve ``GET /metrics``.

    The timer starts before the app's other ``before_request`` hooks and the count comes
    after its other ``after_request`` hooks (Flask runs those in reverse), so the latency
    covers them all, and responses made by the JSON error handlers (404, 500...) are
    counted with their status.
    """
    _metrics().announce(service, version)

    def start_timer() -> None:
        g._metrics_started = time.perf_counter()

    def count(response: Response) -> Response:
        if request.endpoint == ENDPOINT:
            return response
        rule = request.url_rule
        route = rule.rule if rule is not None else UNMATCHED
        method = request.method if request.method in _METHODS else "other"
        metrics = _metrics()
        # Workers build their app after ``use_multiprocess_dir`` dropped the objects the
        # master had; an app built before then announces its build on its first request.
        metrics.announce(service, version)
        metrics.requests.labels(service, route, method, str(response.status_code)).inc()
        started = g.get("_metrics_started")
        if started is not None:
            elapsed = time.perf_counter() - started
            metrics.duration.labels(service, route, method).observe(elapsed)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, count)
    app.add_url_rule("/metrics", ENDPOINT, _serve_metrics, methods=["GET"])


def _serve_metrics() -> Response:
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(scrape_registry()), headers={"Content-Type": content_type})


def scrape_registry() -> CollectorRegistry:
    """What ``/metrics`` shows: this process's registry, or the sum over all workers."""
    metrics = _metrics()
    path = multiprocess_dir()
    if path is None:
        return metrics.registry
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    PlatformCollector(registry=registry)
    registry.register(_ServerProcessCollector(os.getppid()))
    return registry


@cache
def package_version(module: str) -> str:
    """The version of the installed distribution that holds the top-level ``module``."""
    for distribution in metadata.packages_distributions().get(module.split(".")[0], []):
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


# --- process metrics under gunicorn ----------------------------------------------------

_SUMMED = frozenset(
    {
        "process_virtual_memory_bytes",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
    }
)


def _returns(pid: int) -> Callable[[], int]:
    return lambda: pid


class _ServerProcessCollector(Collector):
    """Process metrics of the whole server: memory, CPU time and open files summed over
    the gunicorn master and its live workers; start time and file limit are the master's.
    One worker's own figures (all a scrape could see) would say little about the service.
    """

    def __init__(self, master_pid: int) -> None:
        self.master_pid = master_pid

    def collect(self) -> Iterable[Metric]:
        pids = [self.master_pid, *sorted(set(_children(self.master_pid)) | {os.getpid()})]
        families: dict[str, Metric] = {}
        totals: dict[str, float] = {}
        for index, pid in enumerate(pids):
            collector = ProcessCollector(pid=_returns(pid), registry=None)
            for family in collector.collect():
                for sample in family.samples:
                    if index == 0:
                        families[sample.name] = family
                        totals[sample.name] = sample.value
                    elif sample.name in _SUMMED and sample.name in totals:
                        totals[sample.name] += sample.value
        for name, value in totals.items():
            family = families[name]
            metric = Metric(family.name, family.documentation, family.type)
            metric.add_sample(name, {}, value)
            yield metric


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]
