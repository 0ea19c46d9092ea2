"""Tokens with a malformed header, sent to introspection and to ``/verify_token``: each is
an inactive or invalid token, never a 500 (they were, through the toolkit's header parsing,
before issue 14)."""

from __future__ import annotations

import base64

import pytest


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Deep enough to exhaust the parser's recursion limit, small enough for the spec's 8192 characters.
DEEP = "[" * 2_000 + "]" * 2_000
HEADERS = {
    "alg a number": '{"alg":5,"kid":"k"}',
    "alg a list": '{"alg":["ES256"],"kid":"k"}',
    "alg an object": '{"alg":{"ES256":1}}',
    "kid a list": '{"alg":"ES256","kid":["k"]}',
    "header a list": '["ES256"]',
    "header nested 2000 deep": DEEP,
    "a field nested 2000 deep": '{"alg":"ES256","x":' + DEEP + "}",
    "alg with a lone surrogate": '{"alg":"\\ud800"}',
}


@pytest.fixture
def token(http, worker) -> str:
    return http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=worker.basic
    ).json["access_token"]


def with_header(token: str, header_json: str) -> str:
    _, payload, signature = token.split(".")
    return f"{b64url(header_json.encode())}.{payload}.{signature}"


@pytest.mark.parametrize("case", list(HEADERS))
class TestMalformedHeaders:
    def test_introspection_calls_the_token_inactive(self, http, worker, token, case):
        hostile = with_header(token, HEADERS[case])
        response = http.post("/oauth/introspect", data={"token": hostile}, headers=worker.basic)
        assert response.status_code == 200
        assert response.json == {"active": False}

    def test_verify_token_answers_invalid_token(self, http, worker, token, case):
        hostile = with_header(token, HEADERS[case])
        response = http.post(
            "/verify_token",
            json={"access_token": hostile, "audience": "dataservice"},
            headers=worker.basic,
        )
        assert response.status_code in (400, 401)
        assert response.json["code"] == "invalid_token"


@pytest.mark.parametrize(
    "credentials",
    ["a%00b:secret", "strava-worker:se%00cret", "%00:%00", "%ED%A0%80:x", "a\x00b:secret"],
)
def test_client_credentials_with_a_nul_are_invalid_client_not_500(http, credentials):
    # A NUL reached the client lookup, which PostgreSQL refuses: a 500.
    basic = base64.b64encode(credentials.encode()).decode()
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 401
    assert response.json["error"] == "invalid_client"


def test_a_json_body_nested_100000_deep_is_400_naming_the_depth(http):
    response = http.post(
        "/verify_token", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code in (400, 413)  # the tokendealer's bodies are small
    assert response.json["code"] in ("invalid_request", "request_entity_too_large")


def test_a_json_body_nested_too_deep_within_the_size_limit_is_400(http):
    response = http.post(
        "/verify_token", data="[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["errors"] == [
        {"field": "body", "message": "is nested deeper than 64 levels"}
    ]
