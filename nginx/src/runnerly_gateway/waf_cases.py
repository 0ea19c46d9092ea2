"""The WAF's evaluation cases: our own attack payloads and benign traffic (the JSON files in
nginx/tests/data) as HTTP requests, each placed where an application would receive it.

The WAF's tests (nginx/tests/test_waf_*.py) assert what the gateway does with them, and the
WAF benchmark (``python -m benchmarks.gateway.waf``) sends the same requests to the gateway,
to ModSecurity + CRS and to a bare nginx: one definition, so both judge the same traffic.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from runnerly_gateway.settings import _SOURCE_HOME

DATA_DIR = _SOURCE_HOME / "tests" / "data"
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
# Sent with every case: a named host and a browser's headers, so that neither WAF scores
# the test harness itself (CRS counts a numeric Host or a missing Accept against a request).
BASE_HEADERS = {
    "Host": "runnerly.example",
    "User-Agent": BROWSER_AGENT,
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-GB,en;q=0.8",
}


# --- cases ------------------------------------------------------------------------------


@dataclass
class Case:
    """One HTTP request of the evaluation: an attack of ``kind`` or benign traffic."""

    kind: str  # an attack class, or "benign"
    label: str
    method: str = "GET"
    path: str = "/web/"
    query: str = ""  # already encoded, without "?"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    payload: str = ""  # what must never come back in a response
    source: str = "ours"  # where the case comes from (the benchmark also reads a corpus)

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")

    def all_headers(self) -> dict[str, str]:
        headers = {**BASE_HEADERS, **self.headers}
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(self.body))
        return headers


def encode_query(pairs: Mapping[str, str] | list[tuple[str, str]]) -> str:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return "&".join(
        urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe="") for k, v in items
    )


# What may stand unescaped in a query value as attack tools write one; "&" and "#" are
# escaped so that the whole payload stays one parameter.
_FRAGMENT_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%+=:/?@!$'()*,;[]"
)


def quote_fragment(text: str) -> str:
    """``text`` as written, only what cannot stand in a request line percent-encoded."""
    return "".join(c if c in _FRAGMENT_SAFE else urllib.parse.quote(c, safe="") for c in text)


def form_body(fields: Mapping[str, str]) -> bytes:
    return encode_query(fields).encode()


def json_body(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def place(kind: str, label: str, payload: str, where: str, route: str = "web") -> Case:
    """``payload`` in one spot of a request, as an application would receive it."""
    base = f"/{route}/"
    if where == "query":
        return Case(
            kind, label, path=base + "search", query=encode_query({"q": payload}), payload=payload
        )
    if where == "raw_query":  # already percent-encoded by its author
        return Case(kind, label, path=base + "go", query="next=" + payload, payload=payload)
    if where == "query_as_written":  # a URL fragment: its escapes and "+" reach the server
        return Case(
            kind, label, path=base + "search", query="q=" + quote_fragment(payload), payload=payload
        )
    if where == "path":
        return Case(
            kind,
            label,
            path=base + "files/" + urllib.parse.quote(payload, safe=""),
            payload=payload,
        )
    if where == "url":
        return Case(
            kind,
            label,
            path=base + "preview",
            query=encode_query({"url": payload}),
            payload=payload,
        )
    if where == "form":
        return Case(
            kind,
            label,
            "POST",
            base + "comments",
            headers=dict(FORM),
            body=form_body({"title": "Sunday long run", "comment": payload}),
            payload=payload,
        )
    if where == "json":
        document = {"title": "Sunday long run", "run": {"notes": [payload], "distance": 21.1}}
        return Case(
            kind,
            label,
            "POST",
            base + "runs",
            headers=dict(JSON),
            body=json_body(document),
            payload=payload,
        )
    if where == "header":
        return Case(kind, label, path=base, headers={"X-Api-Version": payload}, payload=payload)
    if where == "referer":
        return Case(kind, label, path=base, headers={"Referer": payload}, payload=payload)
    if where == "user_agent":
        return Case(kind, label, path=base, headers={"User-Agent": payload}, payload=payload)
    if where == "forwarded_for":
        return Case(kind, label, path=base, headers={"X-Forwarded-For": payload}, payload=payload)
    if where == "cookie":  # a cookie's value, as a browser would send it
        return Case(
            kind, label, path=base, headers={"Cookie": f"theme=dark; tz={payload}"}, payload=payload
        )
    if where == "xml":
        return Case(
            kind,
            label,
            "POST",
            base + "import",
            headers={"Content-Type": "application/xml"},
            body=payload.encode(),
            payload=payload,
        )
    raise ValueError(f"unknown placement {where!r}")


def load_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def attack_cases() -> Iterator[Case]:
    """Our own attack payloads, each in every placement its class lists."""
    data = load_data("waf_attacks.json")
    for kind, payloads in data["classes"].items():
        for where in data["placement"][kind]:
            for i, payload in enumerate(payloads):
                yield place(kind, f"{kind}-{where}-{i}", payload, where)


def request_case(spec: Mapping[str, Any], kind: str = "benign") -> Case:
    """A whole request described in waf_benign.json's ``requests``."""
    route = spec["route"]
    path = spec.get("path", "/")
    headers = dict(spec.get("headers", {}))
    body = b""
    if "form" in spec:
        headers.update(FORM)
        body = form_body(spec["form"])
    elif "json" in spec:
        headers.update(JSON)
        body = json_body(spec["json"])
    elif "body" in spec:
        headers["Content-Type"] = spec["content_type"]
        body = spec["body"].encode()
    return Case(
        kind,
        spec["id"],
        spec["method"],
        f"/{route}{path}",
        encode_query(spec.get("query", {})),
        headers,
        body,
    )


def benign_cases() -> Iterator[Case]:
    """Our benign traffic: texts in a query, a form and JSON; passwords; polylines; JWTs;
    header values; and whole requests."""
    data = load_data("waf_benign.json")
    for i, text in enumerate(data["texts"]):
        for where in ("query", "form", "json"):
            yield place("benign", f"text-{where}-{i}", text, where)
    for i, password in enumerate(data["passwords"]):
        yield Case(
            "benign",
            f"password-form-{i}",
            "POST",
            "/login/",
            headers=dict(FORM),
            body=form_body({"email": "runner@example.com", "password": password}),
        )
        yield Case(
            "benign",
            f"password-json-{i}",
            "POST",
            "/login/signup",
            headers=dict(JSON),
            body=json_body({"email": "runner@example.com", "password": password}),
        )
    for i, line in enumerate(data["polylines"]):
        yield Case(
            "benign",
            f"polyline-{i}",
            "POST",
            "/api/runs",
            headers=dict(JSON),
            body=json_body({"title": "Morning Run", "map": {"summary_polyline": line}}),
        )
    for i, token in enumerate(data["tokens"]):
        yield Case(
            "benign",
            f"jwt-header-{i}",
            path="/api/v1/users/1",
            headers={"Authorization": f"Bearer {token}"},
        )
        yield Case(
            "benign",
            f"jwt-form-{i}",
            "POST",
            "/token/",
            headers=dict(FORM),
            body=form_body({"grant_type": "refresh_token", "refresh_token": token}),
        )
    for name, values in data["headers"].items():
        for i, value in enumerate(values):
            yield Case("benign", f"header-{name.lower()}-{i}", path="/web/", headers={name: value})
    for spec in data["requests"]:
        yield request_case(spec)
