"""One log schema: `runnerly-gateway run` writes nginx's access and error logs (and Lua's
lines) as the JSON lines of runnerly_common.logs, none with a query string's values, and a
request id found in the gateway's lines is found in the services' too."""

from __future__ import annotations

import io
import json
import logging
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, jsonify
from werkzeug.serving import BaseWSGIServer, make_server

from runnerly_common import logs, requestid
from runnerly_common.testing import free_port
from runnerly_common.testing.services import Service, start_gateway
from runnerly_gateway.logs import Correlator, error_entry, redact_query

KEYS = {"time", "level", "logger", "message", "service", "request_id"}
SECRET = "S3CRET-oauth-code"


class WebService:
    """A Flask app logging as every Runnerly service does (JSON, request ids), in a buffer."""

    def __init__(self) -> None:
        app = Flask("web")
        requestid.init_app(app)
        logs.init_access_log(app)

        @app.get("/")
        def index() -> Any:
            logging.getLogger("web.views").info("callback handled")
            return jsonify(ok=True)

        self.output = io.StringIO()
        self.handler = logs.make_json(logging.StreamHandler(self.output), "runnerly-web")
        for name in (logs.ACCESS_LOGGER, "web.views"):
            logger = logging.getLogger(name)
            logger.addHandler(self.handler)
            logger.setLevel(logging.INFO)
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        for name in (logs.ACCESS_LOGGER, "web.views"):
            logging.getLogger(name).removeHandler(self.handler)
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def web() -> Iterator[WebService]:
    service = WebService()
    yield service
    service.stop()


@pytest.fixture
def json_gateway(tmp_path: Path, web: WebService) -> Iterator[Service]:
    """The gateway as `make run` and the container run it: logs on its stdout and stderr.
    The dataservice points at a closed port (nginx logs the refused connection), the
    tokendealer at a name no resolver knows (Lua logs it)."""
    gateway = start_gateway(
        tmp_path / "gateway",
        web=web.url,
        dataservice=f"http://127.0.0.1:{free_port()}",
        tokendealer=f"http://tokendealer.invalid:{free_port()}",
        resolver=f"127.0.0.1:{free_port()}",  # nothing answers: resolution fails
        error_log="stderr",
        access_log="/dev/stdout",
        waf="off",
    )
    yield gateway
    gateway.process.stop()


def _log_lines(gateway: Service, offset: int, last_id: str, timeout: float = 5) -> list[str]:
    """The gateway's output since ``offset``, once it holds the access line of ``last_id``
    (written after the error lines of its request)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = gateway.process.log_since(offset).splitlines(keepends=True)
        complete = [line for line in lines if line.endswith("\n")]
        if time.monotonic() > deadline or any(
            entry.get("logger") == "gateway.access" and entry.get("request_id") == last_id
            for entry in map(json.loads, complete)
        ):
            return [line.rstrip("\n") for line in complete]
        time.sleep(0.05)


def test_every_gateway_line_is_json_with_the_common_keys_and_no_query_values(
    json_gateway: Service, web: WebService
) -> None:
    offset = json_gateway.process.log_path.stat().st_size
    query = f"?code={SECRET}&state=X&hub.verify_token={SECRET}"
    ids = {"web": "req-web-0001", "down": "req-down-0002", "unresolved": "req-dns-0003"}
    with requests.Session() as http:
        ok = http.get(json_gateway.url + "/" + query, headers={"X-Request-ID": ids["web"]})
        down = http.get(
            json_gateway.url + "/api/v1/users/1/runs" + query,
            headers={"X-Request-ID": ids["down"]},
        )
        unresolved = http.post(
            json_gateway.url + "/oauth/token" + query,
            headers={"X-Request-ID": ids["unresolved"]},
        )
    assert (ok.status_code, down.status_code, unresolved.status_code) == (200, 502, 502)

    lines = _log_lines(json_gateway, offset, ids["unresolved"])
    assert not [line for line in lines if SECRET in line]
    entries = [json.loads(line) for line in lines]  # every line is JSON
    for entry in entries:
        assert entry.keys() >= KEYS, entry
        assert entry["service"] == "gateway"

    by_id = {name: [e for e in entries if e["request_id"] == rid] for name, rid in ids.items()}
    access = {
        name: [e for e in found if e["logger"] == "gateway.access"] for name, found in by_id.items()
    }
    assert access["web"][0]["path"] == "/"
    assert access["down"][0]["status"] == 502
    # nginx's own error line and Lua's carry the request id of their request.
    assert any(
        e["logger"] == "gateway.nginx"
        and e["level"] == "ERROR"
        and "connect() failed" in e["message"]
        for e in by_id["down"]
    ), by_id["down"]
    refused = next(e for e in by_id["down"] if e["logger"] == "gateway.nginx")
    assert (
        refused["request"] == "GET /api/v1/users/1/runs?code=[redacted]&state=[redacted]"
        "&hub.verify_token=[redacted] HTTP/1.1"
    )
    assert any(
        e["logger"] == "gateway.lua" and "cannot resolve upstream tokendealer" in e["message"]
        for e in by_id["unresolved"]
    ), by_id["unresolved"]

    # docs/operations.md's grep: one id finds the gateway's line and the service's.
    service_lines = web.output.getvalue().splitlines()
    found = [line for line in lines + service_lines if ids["web"] in line]
    loggers = {(json.loads(line)["service"], json.loads(line)["logger"]) for line in found}
    assert loggers == {
        ("gateway", "gateway.access"),
        ("runnerly-web", "runnerly.access"),
        ("runnerly-web", "web.views"),
    }
    assert not [line for line in service_lines if SECRET in line]


def test_nginx_error_lines_become_entries() -> None:
    line = (
        "2026/12/07 13:01:02 [warn] 17#17: *42 [lua] upstreams.lua:103: refresh(): cannot "
        "resolve upstream web: timeout, client: 10.0.0.9, server: _, request: "
        '"GET /cb?code=abc&flag HTTP/1.1", host: "runnerly.example"'
    )
    entry = error_entry(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "gateway.lua"
    assert entry["lua"] == "upstreams.lua:103"
    assert entry["message"] == "cannot resolve upstream web: timeout"
    assert entry["connection"] == 42
    assert entry["client"] == "10.0.0.9"
    assert entry["request"] == "GET /cb?code=[redacted]&flag HTTP/1.1"
    assert entry["host"] == "runnerly.example"
    early = error_entry('nginx: [emerg] unknown directive "foo" in /x/nginx.conf:3')
    assert (early["level"], early["message"]) == (
        "CRITICAL",
        'unknown directive "foo" in /x/nginx.conf:3',
    )
    other = error_entry("something else entirely")
    assert (other["level"], other["message"]) == ("ERROR", "something else entirely")
    assert redact_query("no query here") == "no query here"


def test_error_lines_wait_for_their_request_but_not_forever() -> None:
    written: list[str] = []
    correlator = Correlator(written.append, hold=0.05)
    correlator.line("2026/12/07 13:01:02 [error] 17#17: *7 upstream timed out, client: 1.2.3.4")
    correlator.line("2026/12/07 13:01:02 [error] 17#17: *8 a request that never logs")
    correlator.line("2026/12/07 13:01:02 [notice] 17#17: signal process started")
    assert [json.loads(w)["message"] for w in written] == ["signal process started"]
    correlator.line(json.dumps({"connection": 7, "request_id": "abcdefgh"}))
    assert [json.loads(w).get("request_id") for w in written[1:]] == ["abcdefgh", "abcdefgh"]
    # The next request on the same (kept-alive) connection: its own id, not the last one's.
    correlator.line("2026/12/07 13:01:03 [error] 17#17: *7 connect() failed, client: 1.2.3.4")
    correlator.line(json.dumps({"connection": 7, "request_id": "ijklmnop"}))
    assert [json.loads(w).get("request_id") for w in written[-2:]] == ["ijklmnop", "ijklmnop"]
    time.sleep(0.06)
    correlator.flush()
    assert json.loads(written[-1])["message"] == "a request that never logs"
    assert json.loads(written[-1])["request_id"] is None


def test_signals_reach_nginx_and_its_status_is_the_launchers(json_gateway: Service) -> None:
    """`runnerly-gateway run` is the container's PID 1: `docker stop` (SIGTERM) and a reload
    (SIGHUP) must reach nginx through it."""
    launcher = json_gateway.process.process
    assert launcher is not None
    launcher.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert requests.get(json_gateway.url + "/", timeout=5).status_code == 200
    launcher.send_signal(signal.SIGTERM)
    assert launcher.wait(10) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(json_gateway.url + "/", timeout=2)
