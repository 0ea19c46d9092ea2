"""One JSON line per request, with what an operator needs to follow it."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import requests
from conftest import TOO_LARGE, UPSTREAM_DOWN

WAF_MODULE = Path(__file__).resolve().parents[1] / "lua" / "runnerly" / "waf.lua"
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_every_request_writes_one_line_whatever_its_outcome(gateway):
    gw = gateway(
        down=["tokendealer"],
        limits={"classes": {"login": {"rate": "1r/m", "burst": 0, "nodelay": True}}},
        allowed_errors=[UPSTREAM_DOWN, TOO_LARGE],
    )
    responses = [
        requests.get(gw.url("/api/v1/users/1/runs?year=2026&secret=hunter2"), timeout=5),
        requests.get(gw.url("/api/web/nothing?_status=404"), timeout=5),
        requests.post(gw.url("/api/web/login"), data={"email": "a@b.c"}, timeout=5),
        requests.post(gw.url("/api/web/login"), data={"email": "a@b.c"}, timeout=5),
        requests.get(gw.url("/.well-known/jwks.json"), timeout=5),
        requests.post(gw.url("/strava/webhook"), data=b"x" * 200_000, timeout=5),
    ]
    lines = gw.access_log_lines(expect=len(responses))
    assert len(lines) == len(responses)
    assert [line["status"] for line in lines] == [200, 404, 200, 429, 502, 413]
    assert [line["request_id"] for line in lines] == [r.headers["X-Request-ID"] for r in responses]
    assert [line["route"] for line in lines] == ["api", "web", "login", "login", "api", None]
    assert [line["method"] for line in lines] == ["GET", "GET", "POST", "POST", "GET", "POST"]


def test_a_proxied_request_line_has_every_field(gateway, upstreams):
    gw = gateway()
    response = requests.get(
        gw.url("/api/v1/users/1/runs?year=2026&token=s3cret"),
        headers={"User-Agent": "runner-test/1.0"},
        timeout=5,
    )
    [line] = gw.access_log_lines(expect=1)
    assert ISO_TIME.fullmatch(line["time"])
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["route"] == "api"
    assert line["path"] == "/api/v1/users/1/runs"
    assert line["query"] is True
    assert line["status"] == 200
    assert line["client"] == "127.0.0.1"
    assert line["upstream_addr"] == upstreams["dataservice"].url.removeprefix("http://")
    assert line["upstream_status"] == 200
    # nginx takes the two from clocks of millisecond resolution it updates at different
    # moments: the upstream's time was seen to exceed the request's by a millisecond.
    assert 0 <= line["upstream_time"] <= line["request_time"] + 0.005
    assert line["request_time"] < 5
    assert line["bytes_sent"] > len(response.content)
    assert line["request_length"] > 0
    assert line["user_agent"] == "runner-test/1.0"
    assert line["ratelimit"] == {"decision": "pass"}
    assert line["waf"] == {"action": "off"}


def test_query_values_never_reach_the_log(gateway):
    gw = gateway()
    requests.get(gw.url("/api/v1/users/1?token=s3cret-value&password=hunter2"), timeout=5)
    text = (gw.prefix / "logs" / "access.log").read_text()
    assert "s3cret-value" not in text
    assert "hunter2" not in text


def test_long_and_non_ascii_paths_are_logged_safely(gateway):
    gw = gateway()
    requests.get(gw.url("/runs/" + "a" * 600), timeout=5)
    requests.get(gw.url("/runs/caf\u00e9-5k"), timeout=5)
    long_line, accented = gw.access_log_lines(expect=2)
    assert len(long_line["path"]) < 300
    assert long_line["path"].startswith("/runs/aaaa")
    assert accented["path"] == "/runs/caf%C3%A9-5k"


def test_quotes_backslashes_and_control_bytes_keep_the_line_json(gateway):
    # The line is written by concatenation (decision 73): whatever a client puts in its
    # path and User-Agent comes back out of the JSON as it was sent, non-ASCII
    # percent-encoded.
    gw = gateway()
    agent = b'say "hi" \\ back\tslash\x01\x7f caf\xc3\xa9'
    with socket.create_connection(("127.0.0.1", gw.settings.port), timeout=5) as sock:
        sock.sendall(
            b'GET /runs/a"b\\c?x=1 HTTP/1.1\r\nHost: runnerly.example\r\n'
            b"User-Agent: " + agent + b"\r\nConnection: close\r\n\r\n"
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    [line] = gw.access_log_lines(expect=1)
    assert line["path"] == '/runs/a"b\\c'
    assert line["query"] is True
    assert line["user_agent"] == 'say "hi" \\ back\tslash\x01\x7f caf%C3%A9'
    assert line["status"] == 200
    assert line["route"] == "web"


@pytest.mark.skipif(not WAF_MODULE.exists(), reason="the WAF module is not in this tree yet")
def test_with_the_waf_on_its_decision_is_logged(gateway):
    gw = gateway(waf=True)
    response = requests.get(gw.url("/api/v1/users/1/runs?year=2026"), timeout=5)
    assert response.status_code == 200
    [line] = gw.access_log_lines(expect=1)
    assert line["waf"]["action"] == "pass"
    assert line["ratelimit"] == {"decision": "pass"}
