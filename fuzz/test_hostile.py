"""A corpus of hostile inputs, sent to each service as an attacker would send them: forged
and malformed tokens, bodies of the wrong type, depth, size and encoding, strings with NUL
and lone surrogates, query strings with the same and with absurd numbers and dates, and
upload file names with NUL, ``../``, great length and bytes that are not UTF-8.

Whatever the input, the answer is below 500 and JSON; a refusal is an error body naming
the problem (``code`` and ``message``). Nothing is logged at ERROR on the way (conftest).

What never reaches the applications is not here: a raw NUL in the request line or a
header, or a request line over 8190 bytes, is refused by gunicorn (400/414, HTML) before
any of our code runs, and by the gateway in front of it with a JSON error (nginx/README.md).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from stack import FuzzStack, WebSession

Send = Callable[..., requests.Response]


def answered_in_json(response: requests.Response) -> dict[str, Any]:
    """The answer is not a server error, is JSON, and a refusal names its problem."""
    where = f"{response.request.method} {response.url[:200]}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        f"{where}: {response.status_code} {response.headers.get('Content-Type')} "
        f"{response.text[:300]}"
    )
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body, dict) and body.get("code") and body.get("message"), body
    return body


# --- who sends --------------------------------------------------------------------------


@dataclass
class Clients:
    stack: FuzzStack
    runner: str  # a bearer token for the fuzzed runner
    admin: WebSession  # a logged-in web administrator
    anonymous: WebSession  # a web browser with a session but no login

    @property
    def runner_id(self) -> int:
        return self.stack.runner_id

    def dataservice(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.runner}", **kwargs.pop("headers", {})}
        url = f"{self.stack.urls['dataservice']}/api/v1{path}"
        return requests.request(method, url, headers=headers, timeout=60, **kwargs)

    def web(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        browser = kwargs.pop("browser", self.admin)
        url = f"{self.stack.urls['web']}/api/web{path}"
        return browser.request(method, url, timeout=60, **kwargs)

    def tokendealer(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("auth", self.stack.client_auth())
        url = f"{self.stack.urls['tokendealer']}{path}"
        return requests.request(method, url, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def clients(stack: FuzzStack) -> Iterator[Clients]:
    yield Clients(
        stack,
        stack.runner_token(),
        stack.web_session(admin=True),
        WebSession(stack.urls["web"]),
    )


# --- tokens -----------------------------------------------------------------------------


def b64(data: str | bytes) -> str:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_with(header: str | bytes, payload: str | bytes = '{"sub": "1"}') -> str:
    return f"{b64(header)}.{b64(payload)}.{b64(b'not a signature')}"


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# A bearer header travels in one HTTP header line, which gunicorn caps at 8190 bytes: the
# deep and huge headers stay under it (Python's JSON parser gives up at ~1000 levels).
TOKENS = {
    "alg-number": jwt_with('{"alg": 256, "typ": "JWT"}'),
    "alg-list": jwt_with('{"alg": ["ES256"], "typ": "JWT"}'),
    "alg-object": jwt_with('{"alg": {"alg": {"alg": "ES256"}}}'),
    "alg-null": jwt_with('{"alg": null}'),
    "alg-none": jwt_with('{"alg": "none", "typ": "JWT"}')[: -len(b64(b"not a signature"))],
    "alg-nul": jwt_with('{"alg": "ES256\\u0000", "kid": "x"}'),
    "alg-raw-nul": jwt_with(b'{"alg": "ES\x00256"}'),
    "alg-surrogate": jwt_with('{"alg": "\\ud800", "kid": "\\udfff"}'),
    "kid-number": jwt_with('{"alg": "ES256", "kid": 12}'),
    "kid-object": jwt_with('{"alg": "ES256", "kid": {"kid": ["k"]}}'),
    "kid-huge": jwt_with('{"alg": "ES256", "kid": "' + "k" * 5000 + '"}'),
    "header-deep": jwt_with('{"alg": "ES256", "kid": ' + nested(2000) + "}"),
    "header-array": jwt_with('[{"alg": "ES256"}]'),
    "header-string": jwt_with('"ES256"'),
    "header-not-json": jwt_with("alg=ES256"),
    "header-not-utf8": jwt_with(b'{"alg": "\xff\xfe"}'),
    "payload-not-json": jwt_with('{"alg": "ES256", "kid": "x"}', "sub=1"),
    "payload-deep": jwt_with('{"alg": "ES256", "kid": "x"}', nested(2000)),
    "not-base64": "!!!.@@@.###",
    "percent-nul": "eyJhbGciOiJFUzI1NiJ9%00.e30.c2ln",
    "two-parts": "eyJhbGciOiJFUzI1NiJ9.e30",
    "four-parts": "a.b.c.d",
    "dots": "...",
    "empty-parts": "..",
    "unicode": "ünïcødé.tøkén.☃",
}


@pytest.mark.parametrize("token", TOKENS.values(), ids=TOKENS.keys())
def test_malformed_tokens(clients: Clients, token: str) -> None:
    header = {"Authorization": f"Bearer {token}"}
    # The header is Latin-1 on the wire: what is not stays out, the rest goes as it is.
    if token.isascii():
        path = f"/users/{clients.runner_id}"
        assert clients.dataservice("GET", path, headers=header).status_code == 401
        # runnerly-web never takes a bearer token: the session decides.
        answered_in_json(clients.web("GET", "/profile", browser=clients.anonymous, headers=header))
    body = answered_in_json(clients.tokendealer("POST", "/oauth/introspect", data={"token": token}))
    assert body.get("active") in (False, None), body
    verify = {"access_token": token, "audience": "dataservice"}
    response = clients.tokendealer("POST", "/verify_token", json=verify)
    answered_in_json(response)
    assert response.status_code >= 400


def test_deeply_nested_token_in_a_form(clients: Clients) -> None:
    """Out of a header's size limit, a form field can carry a 10,000-deep JWT header."""
    token = jwt_with('{"alg": "ES256", "kid": ' + nested(10_000) + "}")
    answered_in_json(clients.tokendealer("POST", "/oauth/introspect", data={"token": token}))
    exchange = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": token,
        "subject_token_type": "urn:runnerly:params:oauth:token-type:runner-id",
        "audience": "dataservice",
    }
    response = clients.tokendealer("POST", "/oauth/token", data=exchange)
    answered_in_json(response)
    assert response.status_code >= 400


# --- bodies -----------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024
RAW_BODIES: dict[str, bytes] = {
    "array": b"[]",
    "string": b'"a runner"',
    "number": b"42",
    "null": b"null",
    "boolean": b"true",
    "empty": b"",
    "truncated": b'{"email": ',
    "deep-arrays": b"[" * 10_000 + b"]" * 10_000,
    "deep-objects": b'{"a": ' * 10_000 + b"1" + b"}" * 10_000,
    "deep-in-a-field": b'{"email": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "ten-megabytes": b'{"title": "' + b"x" * TEN_MB + b'"}',
    "not-utf8": b'{"email": "\xff\xfe@example.org", "title": "\xc3\x28", "name": "\x80"}',
    "utf16": '{"email": "a@example.org"}'.encode("utf-16"),
    "bom": b'\xef\xbb\xbf{"email": "a@example.org"}',
    "raw-nul": b'{"email": "a\x00@example.org"}',
    "nan": b'{"distance": NaN, "moving_time": Infinity}',
    "huge-numbers": b'{"distance": 1e999999, "moving_time": 1' + b"0" * 5000 + b"}",
    "duplicate-keys": b'{"email": "a@example.org", "email": {"x": 1}}',
}


def json_posts(clients: Clients) -> dict[str, Send]:
    """A JSON endpoint of each service, and of each kind of caller."""
    runner = clients.runner_id
    return {
        "dataservice-run": lambda **kw: clients.dataservice("POST", f"/users/{runner}/runs", **kw),
        "dataservice-race": lambda **kw: clients.dataservice(
            "POST", f"/users/{runner}/races", **kw
        ),
        "web-login": lambda **kw: clients.web("POST", "/login", browser=clients.anonymous, **kw),
        "web-profile": lambda **kw: clients.web("PATCH", "/profile", **kw),
        "tokendealer-verify": lambda **kw: clients.tokendealer("POST", "/verify_token", **kw),
    }


ENDPOINTS = [
    "dataservice-run",
    "dataservice-race",
    "web-login",
    "web-profile",
    "tokendealer-verify",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("body", RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_hostile_bodies(clients: Clients, endpoint: str, body: bytes) -> None:
    send = json_posts(clients)[endpoint]
    response = send(data=body, headers={"Content-Type": "application/json"})
    answered_in_json(response)
    assert response.status_code >= 400


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=x",
        "application/json;;",
        "",
    ],
)
def test_wrong_content_types(clients: Clients, endpoint: str, content_type: str) -> None:
    send = json_posts(clients)[endpoint]
    response = send(data=b'{"email": "a@example.org"}', headers={"Content-Type": content_type})
    answered_in_json(response)
    assert response.status_code >= 400


# Strings that pass a schema's "type: string" yet break what lies behind it: a database
# (PostgreSQL refuses NUL in text), an encoder (a lone surrogate is not UTF-8), a parser.
STRINGS = {
    "nul": "a\u0000b",
    "lone-high-surrogate": "a\ud800b",
    "lone-low-surrogate": "\udfff",
    "control": "\u0001\u001b[31m\u007f",
    "rtl-override": "\u202egpx.exe",
    "astral": "🏃\U0010ffff",
}


def escaped(value: Any) -> bytes:
    """JSON as a client may send it: lone surrogates escaped (``\\ud800``), as JSON allows."""
    return json.dumps(value).encode()


def string_cases(clients: Clients, text: str) -> Iterator[tuple[str, requests.Response]]:
    runner = clients.runner_id
    run = {
        "start_time": "2026-03-01T07:30:00Z",
        "distance": 10000.0,
        "moving_time": 3000,
        "elapsed_time": 3100,
        "title": text,
        "description": text,
        "sport_type": "Run",
    }
    base = f"/users/{runner}"
    yield "dataservice run", clients.dataservice("POST", f"{base}/runs", data=escaped(run))
    race = {"name": f"x{text}", "date": "2027-10-10", "distance": 42195, "location": text}
    yield "dataservice race", clients.dataservice("POST", f"{base}/races", data=escaped(race))
    user = {"email": f"{text}@example.org", "first_name": text}
    yield "dataservice user", clients.dataservice("PATCH", base, data=escaped(user))
    login = {"email": f"{text}@example.org", "password": f"pw {text} long enough"}
    yield "web login", clients.web("POST", "/login", browser=clients.anonymous, data=escaped(login))
    signup = {**login, "first_name": text, "last_name": text}
    yield (
        "web signup",
        clients.web(
            "POST", "/signup", browser=WebSession(clients.stack.urls["web"]), data=escaped(signup)
        ),
    )
    yield "web profile", clients.web("PATCH", "/profile", data=escaped({"first_name": text}))
    yield "web race", clients.web("POST", "/races", data=escaped(race))
    verify = {"access_token": text, "audience": text}
    yield "tokendealer verify", clients.tokendealer("POST", "/verify_token", data=escaped(verify))
    form = {"grant_type": text, "scope": text, "audience": text, "subject_token": text}
    # A form cannot carry a lone surrogate: its UTF-8 bytes (not valid UTF-8) go instead.
    encoded = urlencode(form, encoding="utf-8", errors="surrogatepass")
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    yield (
        "tokendealer token",
        clients.tokendealer("POST", "/oauth/token", data=encoded, headers=form_type),
    )


@pytest.mark.parametrize("text", STRINGS.values(), ids=STRINGS.keys())
def test_hostile_strings_in_bodies(clients: Clients, text: str) -> None:
    for where, response in string_cases(clients, text):
        assert response.status_code < 500, (where, response.status_code, response.text[:300])
        answered_in_json(response)


def test_long_password_at_sign_up(clients: Clients) -> None:
    """The spec takes passwords up to 1,024 characters; the strength check must too."""
    browser = WebSession(clients.stack.urls["web"])
    email = f"long-{uuid.uuid4().hex[:8]}@example.org"
    password = "correct horse battery staple " * 35  # 1,015 characters
    response = clients.web(
        "POST", "/signup", browser=browser, json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize("year_day", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_in_bodies(clients: Clients, year_day: str) -> None:
    """Runs and races dated year 1 or 9999 are refused, or stored and then harmless: the
    runner's totals, records, months and plans still answer."""
    runner = clients.runner_id
    run = {
        "start_time": f"{year_day}T12:00:00Z",
        "distance": 5000.0,
        "moving_time": 1500,
        "elapsed_time": 1500,
    }
    created = clients.dataservice("POST", f"/users/{runner}/runs", json=run)
    answered_in_json(created)
    race = {"name": "The end of time", "date": year_day, "distance": 42195}
    for race_response, plan in (
        (clients.dataservice("POST", f"/users/{runner}/races", json=race), "dataservice"),
        (clients.web("POST", "/races", json=race), "web"),
    ):
        answered_in_json(race_response)
        if race_response.status_code == 201:
            race_id = race_response.json()["id"]
            if plan == "dataservice":
                generated = clients.dataservice("POST", f"/users/{runner}/races/{race_id}/plan")
            else:
                generated = clients.web("POST", f"/races/{race_id}/plan", json={})
            answered_in_json(generated)
    for path in ("/stats/totals?period=year", "/stats/records", "/stats/summary", "/races"):
        answered_in_json(clients.dataservice("GET", f"/users/{runner}{path}"))
        answered_in_json(clients.web("GET", path))


# --- query strings ----------------------------------------------------------------------

# Raw query strings, sent byte for byte (requests would re-encode a str).
QUERY_VALUES = {
    "percent-nul": "%00",
    "nul-inside": "2026-01-01%00T00:00:00Z",
    "surrogate-utf8": "%ED%A0%80",  # \ud800 encoded as UTF-8 would be: not valid UTF-8
    "not-utf8": "%FF%FE",
    "huge-number": "9" * 400,
    "exponent": "1e400",
    "negative": "-1",
    "minus-zero": "-0",
    "float": "1.5",
    "year-1": "0001-01-01",
    "year-9999": "9999-12-31",
    "year-1-instant": "0001-01-01T00:00:00Z",
    "year-9999-instant": "9999-12-31T23:59:59Z",
    "year-10000": "10000-01-01",
    "leap-day-of-a-common-year": "2026-02-29",
    "offset-overflow": "2026-01-01T00:00:00+99:99",
    # Longer than gunicorn's default request line (4094), shorter than the gateway's 8k
    # buffer: the service answers it, not gunicorn's HTML page.
    "long": "a" * 6000,
    "array-syntax": "[]",
}

QUERIES = {
    "dataservice runs": (
        "dataservice",
        "/users/{runner}/runs",
        ["from", "to", "page", "per_page", "sport"],
    ),
    "dataservice totals": (
        "dataservice",
        "/users/{runner}/stats/totals",
        ["from", "to", "period", "sport"],
    ),
    "dataservice summary": ("dataservice", "/users/{runner}/stats/summary", ["date", "sport"]),
    "dataservice plans": ("dataservice", "/users/{runner}/plans", ["race_id"]),
    "dataservice races": ("dataservice", "/users/{runner}/races", ["when"]),
    "dataservice users": ("dataservice-service", "/users", ["email", "page"]),
    "web totals": ("web", "/stats/totals", ["from", "to", "period"]),
    "web summary": ("web", "/stats/summary", ["date"]),
    "web admin users": ("web", "/admin/users", ["email", "page", "per_page"]),
    "tokendealer jwks": ("tokendealer", "/.well-known/jwks.json", ["kid"]),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_hostile_query_strings(clients: Clients, query: tuple[str, str, list[str]]) -> None:
    service, template, names = query
    path = template.format(runner=clients.runner_id)
    service_token = clients.stack.service_token() if service == "dataservice-service" else ""
    for name in names:
        for value in QUERY_VALUES.values():
            raw = f"{path}?{name}={value}"
            if service == "web":
                response = clients.web("GET", raw)
            elif service == "tokendealer":
                response = clients.tokendealer("GET", raw)
            elif service_token:
                auth = {"Authorization": f"Bearer {service_token}"}
                response = clients.dataservice("GET", raw, headers=auth)
            else:
                response = clients.dataservice("GET", raw)
            answered_in_json(response)


def test_hostile_path_segments(clients: Clients) -> None:
    for segment in ("%00", "-1", "0", "9" * 400, "1e3", "%ED%A0%80", "%FF", "..%2F..%2Fetc"):
        answered_in_json(clients.dataservice("GET", f"/users/{clients.runner_id}/runs/{segment}"))
        answered_in_json(clients.dataservice("GET", f"/users/{segment}"))
        answered_in_json(clients.web("GET", f"/runs/{segment}"))
        answered_in_json(clients.web("GET", f"/reports/{segment}/1"))


# --- file names -------------------------------------------------------------------------

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="51.5000" lon="-0.1000"><time>2026-05-04T07:00:00Z</time></trkpt>
<trkpt lat="51.5003" lon="-0.1000"><time>2026-05-04T07:00:10Z</time></trkpt>
<trkpt lat="51.5006" lon="-0.1000"><time>2026-05-04T07:00:20Z</time></trkpt>
</trkseg></trk></gpx>
"""

# As the query string carries them (percent-encoded bytes).
FILE_NAMES = {
    "nul": "run%00.gpx",
    "nul-before-extension": "run.gpx%00.gpx",
    "dot-dot": "..%2F..%2F..%2Fetc%2Fpasswd.gpx",
    "dot-dot-backslash": "..%5C..%5Cwindows%5Cwin.ini.gpx",
    "absolute": "%2Ftmp%2Frun.gpx",
    "very-long": "r" * 6000 + ".gpx",
    "not-utf8": "%FF%FErun.gpx",
    "surrogate": "%ED%A0%80run.gpx",
    "control": "run%0D%0AX-Injected:%201.gpx",
    "only-extension": ".gpx",
    "rtl-override": "%E2%80%AExpg.exe.gpx",
}


@pytest.mark.parametrize("name", FILE_NAMES.values(), ids=FILE_NAMES.keys())
def test_hostile_upload_file_names(clients: Clients, name: str) -> None:
    octets = {"Content-Type": "application/octet-stream"}
    for body in (GPX, b"not a track"):
        path = f"/users/{clients.runner_id}/runs/import?filename={name}"
        answered_in_json(clients.dataservice("POST", path, data=body, headers=octets))
        web_path = f"/runs/import?filename={name}"
        answered_in_json(clients.web("POST", web_path, data=body, headers=octets))


MULTIPART_NAMES = [b"run\x00.gpx", b"../../etc/passwd.gpx", b"r" * 4000 + b".gpx", b"\xff\xfe.gpx"]


@pytest.mark.parametrize("name", MULTIPART_NAMES)
def test_multipart_uploads_are_refused(clients: Clients, name: bytes) -> None:
    """The upload endpoints take the file as the body; a multipart form (a browser's
    <form> upload) is 415 before its parts, and their names, are read."""
    boundary = "fuzzboundary"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + name
        + b'"\r\n'
        + b"Content-Type: application/gpx+xml\r\n\r\n"
        + GPX
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    import_path = f"/users/{clients.runner_id}/runs/import"
    for response in (
        clients.dataservice("POST", f"{import_path}?filename=run.gpx", data=body, headers=headers),
        clients.web("POST", "/runs/import?filename=run.gpx", data=body, headers=headers),
    ):
        answered_in_json(response)
        assert response.status_code == 415, response.text[:300]
