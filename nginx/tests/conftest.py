"""A real nginx with the gateway's Lua layer, on loopback, in front of echo upstreams.

Fixtures (the WAF's tests use them too):

- ``upstreams``: four echo servers (web, dataservice, tokendealer, webhook), each answering
  every request with JSON describing it: ``{"service", "method", "path", "query",
  "headers", "body_length", "body"}``. Query parameters steer them: ``_sleep=<ms>``,
  ``_status=<code>``, ``_size=<bytes>`` (pads the JSON), ``_type=<content type>``,
  ``_cache=<Cache-Control>``.
- ``gateway(**options)``: starts nginx rendered for the ``test`` target in a temporary
  prefix on a free port (and its status server on another) and returns a :class:`Gateway`
  (``base_url``, ``url(path)``, ``status_url(path)``, ``access_log_lines()``,
  ``error_log_text()``). Options: ``limits`` (merged into
  config/limits.json, e.g. ``{"classes": {"api": {"rate": "1r/m", "burst": 0}}}``),
  ``waf`` (default False), ``waf_config``, ``down`` (upstream names to point at a closed
  port), ``allowed_errors`` (regexes for error-log lines the test expects), and any
  GatewaySettings field. At teardown nginx stops and its error log must hold no
  ``[error]``, ``[crit]``, ``[alert]`` or ``[emerg]`` line that was not allowed.

nginx and Debian's libnginx-mod-http-lua must be installed: without them these tests skip
on a laptop and fail in CI.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from runnerly_common.testing import LiveServer, ServiceProcess, free_port
from runnerly_gateway.render import nginx_command, prepare
from runnerly_gateway.settings import GatewaySettings

HOME = Path(__file__).resolve().parents[1]
SHIPPED_LIMITS = HOME / "config" / "limits.json"
UPSTREAMS = ("web", "dataservice", "tokendealer", "webhook")
_SERIOUS = re.compile(r"\[(error|crit|alert|emerg)\]")
# What nginx logs at [error] for a client's doing; tests that cause it allow it.
TOO_LARGE = r"client intended to send too large (chunked )?body"
UPSTREAM_DOWN = r"connect\(\) failed \(111: Connection refused\)"
UPSTREAM_SLOW = r"upstream timed out"


@pytest.fixture(scope="session", autouse=True)
def _require_nginx(nginx: str) -> None:
    """Every test here runs nginx: the harness's ``nginx`` fixture skips them on a laptop
    without nginx and its Lua module, and fails them in CI."""


# --- echo upstreams -------------------------------------------------------------------


def echo_app(service: str) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data()
        args = request.args
        if "_sleep" in args:
            time.sleep(int(args["_sleep"]) / 1000)
        document: dict[str, Any] = {
            "service": service,
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "headers": dict(request.headers),
            "body_length": len(body),
            "body": body[:2000].decode("utf-8", "replace"),
        }
        if "_size" in args:
            document["padding"] = "runnerly " * (int(args["_size"]) // 9)
        response = Response(
            json.dumps(document),
            status=int(args.get("_status", 200)),
            content_type=args.get("_type", "application/json"),
        )
        if "_cache" in args:
            response.headers["Cache-Control"] = args["_cache"]
        # The upstream echoes the id it was given, as runnerly_common does.
        if "X-Request-ID" in request.headers:
            response.headers["X-Request-ID"] = request.headers["X-Request-ID"]
        return response(environ, start_response)

    return app


@pytest.fixture(scope="session")
def upstreams() -> Iterator[dict[str, LiveServer]]:
    servers = {name: LiveServer(echo_app(name)) for name in UPSTREAMS}
    yield servers
    for server in servers.values():
        server.stop()


# --- the gateway ----------------------------------------------------------------------


def merge_limits(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """The shipped limits with ``overrides`` applied per class and section."""
    limits = json.loads(SHIPPED_LIMITS.read_text(encoding="utf-8"))
    for section, value in (overrides or {}).items():
        if section != "classes":
            limits[section] = {**limits.get(section, {}), **value}
            continue
        for name, spec in value.items():
            merged = dict(limits["classes"].get(name, {}))
            if "delay" in spec or "nodelay" in spec:  # one replaces the other
                merged.pop("delay", None)
                merged.pop("nodelay", None)
            merged.update(spec)
            limits["classes"][name] = merged
    return limits


class Gateway:
    """A running gateway: its address, its logs, and how to stop it."""

    def __init__(
        self, settings: GatewaySettings, limits: dict[str, Any], allowed_errors: Iterable[str]
    ) -> None:
        self.settings = settings
        self.limits = limits
        self.allowed_errors = [re.compile(pattern) for pattern in allowed_errors]
        self.prefix = settings.prefix_dir
        self.base_url = f"http://127.0.0.1:{settings.port}"
        self.status_base_url = f"http://127.0.0.1:{settings.status_port}"
        conf = prepare(settings)
        self.process = ServiceProcess(
            nginx_command(settings, conf),
            ready_url=f"{self.base_url}/_gateway/healthz",
            log_path=self.prefix / "logs" / "nginx.out",
            timeout=20,
        )
        self.process.start()

    def url(self, path: str) -> str:
        return self.base_url + path

    def status_url(self, path: str) -> str:
        """An address on the status server (/healthz, /readyz, /metrics)."""
        return self.status_base_url + path

    def access_log_lines(
        self, expect: int | None = None, timeout: float = 3
    ) -> list[dict[str, Any]]:
        """The JSON access log, as dicts. ``expect``: wait until it has that many lines
        (nginx writes a line just after the response has gone)."""
        deadline = time.monotonic() + timeout
        while True:
            text = (self.prefix / "logs" / "access.log").read_text(encoding="utf-8")
            # The readiness probe is not logged (access_log off at /_gateway/healthz).
            lines = [json.loads(line) for line in text.splitlines() if line]
            if expect is None or len(lines) >= expect or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)

    def error_log_text(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def unexpected_errors(self) -> list[str]:
        return [
            line
            for line in self.error_log_text().splitlines()
            if _SERIOUS.search(line)
            and not any(pattern.search(line) for pattern in self.allowed_errors)
        ]

    def stop(self) -> None:
        self.process.stop()


@pytest.fixture
def gateway(
    tmp_path_factory: pytest.TempPathFactory, upstreams: dict[str, LiveServer]
) -> Iterator[Callable[..., Gateway]]:
    started: list[Gateway] = []

    def start(
        *,
        limits: dict[str, Any] | None = None,
        waf: bool = False,
        down: Iterable[str] = (),
        allowed_errors: Iterable[str] = (),
        **overrides: Any,
    ) -> Gateway:
        prefix = tmp_path_factory.mktemp("gateway")
        merged = merge_limits(limits)
        limits_file = prefix / "limits.json"
        limits_file.write_text(json.dumps(merged), encoding="utf-8")
        down = set(down)
        addresses = {
            f"{name}_upstream": (
                f"127.0.0.1:{free_port()}" if name in down else server.url.removeprefix("http://"),
            )
            for name, server in upstreams.items()
        }
        values = {
            "env": "test",
            "target": "test",
            "prefix": str(prefix),
            "port": free_port(),
            "status_port": free_port(),
            "workers": 1,  # one worker: the limits' arithmetic is exact, not racy
            "waf": waf,
            "limits_file": str(limits_file),
            **addresses,
            **overrides,
        }
        gw = Gateway(GatewaySettings.load(environ={}, **values), merged, allowed_errors)
        started.append(gw)
        return gw

    yield start
    problems = []
    for gw in started:
        gw.stop()
        problems += gw.unexpected_errors()
    assert not problems, "nginx logged errors:\n" + "\n".join(problems)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http
