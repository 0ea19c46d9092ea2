"""Every attack class the WAF covers, with our own payloads in each place an application
reads them: blocked with a 403 that names a rule of that class and never the payload."""

from __future__ import annotations

import re

import pytest
from waf_support import attack_cases, place, rule_classes, send

pytest_plugins = ("waf_support",)

ATTACKS = list(attack_cases())
RULE_CLASS = rule_classes()
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def test_every_class_of_the_issue_has_rules_and_payloads() -> None:
    classes = {
        "sqli",
        "xss",
        "traversal",
        "cmdi",
        "ssti",
        "jndi",
        "ssrf",
        "xxe",
        "scanner",
        "shellshock",
        "crlf",
    }
    assert classes <= set(RULE_CLASS.values())
    assert classes <= {case.kind for case in ATTACKS}


@pytest.mark.parametrize("case", ATTACKS, ids=lambda case: case.label)
def test_the_attack_is_blocked_by_a_rule_of_its_class(waf, http, case) -> None:
    response = send(http, waf, case)

    assert response.status_code == 403, f"{case.payload!r} passed"
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "rules"}
    assert body["code"] == "forbidden"
    assert body["message"] == "request blocked by the web application firewall"
    assert REQUEST_ID.fullmatch(body["request_id"])
    assert case.kind in {RULE_CLASS[rule] for rule in body["rules"]}, body["rules"]
    assert case.payload not in response.text


def test_the_refusal_is_logged_with_rule_ids_and_request_id(waf_with, http) -> None:
    server = waf_with({"log_level": "warn"})
    case = place("sqli", "logged", "1' UNION SELECT secret_column FROM users--", "json")

    body = send(http, server, case).json()

    [line] = [line for line in server.error_log().splitlines() if body["request_id"] in line]
    assert "[warn]" in line
    assert "waf block route=web" in line
    assert "rules=" + ",".join(body["rules"]) in line
    assert "at=body_args:run.notes[]" in line
    assert "secret_column" not in line  # nginx adds the request line, never the body


def test_decisions_stay_out_of_the_error_log_by_default(waf, http) -> None:
    response = send(http, waf, place("xss", "quiet", "<script>alert(1)</script>", "json"))

    assert response.status_code == 403
    assert response.json()["request_id"] not in waf.error_log()
