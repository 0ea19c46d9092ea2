"""Every token an attacker can make is refused with 401, by ``requires_scope`` views and by
OpenAPI operations with bearer security alike."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest

from runnerly_common import Settings, create_app

# A view protected by requires_scope("runs:read") and an OpenAPI operation whose
# security is bearer ["runs:read"]: both must refuse the same tokens.
PROTECTED = ["/runs", "/api/v1/items/42"]
LONG_AGO = int(time.time()) - 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def edit_claims(token: str, **changes: Any) -> str:
    """The token with its payload edited and its (now wrong) signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims.update(changes)
    return f"{header}.{b64url_json(claims)}.{signature}"


class Forge:
    """What an attacker has: the public JWKS, their own key, and old tokens."""

    def __init__(self, issue: Any, es_key: Any, rs_key: Any, attacker_key: Any) -> None:
        self.issue, self.es, self.rs, self.attacker = issue, es_key, rs_key, attacker_key

    def unsigned(self, alg: str = "none") -> str:
        header = {"alg": alg, "typ": "JWT", "kid": self.es.kid}
        return f"{b64url_json(header)}.{b64url_json(claims_of(self))}."

    def own_key_in_the_header(self) -> str:
        # The token brings its own key (jwk) and key URL (jku); only the JWKS may count.
        headers = {"kid": self.es.kid, "jwk": self.attacker.jwk, "jku": "https://evil.example/"}
        return jwt.encode(claims_of(self), self.attacker.private, "ES256", headers=headers)

    def hmac_with_public_key(self) -> str:
        # Algorithm confusion: HS256 keyed with the RSA public key's PEM, which is public.
        header = {"alg": "HS256", "typ": "JWT", "kid": self.rs.kid}
        signing_input = f"{b64url_json(header)}.{b64url_json(claims_of(self))}"
        mac = hmac.new(self.rs.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(mac)}"

    def without_kid(self) -> str:
        _, payload, signature = self.issue().split(".")
        return f"{b64url_json({'alg': self.es.alg, 'typ': 'JWT'})}.{payload}.{signature}"


def with_header(forge: Forge, header_json: str) -> str:
    """An honest token whose header segment is replaced by ``header_json``, verbatim."""
    _, payload, signature = forge.issue().split(".")
    return f"{b64url(header_json.encode())}.{payload}.{signature}"


def with_alg(forge: Forge, alg_json: str, extra: str = "") -> str:
    """An honest token whose header's alg is ``alg_json`` (raw JSON), kid kept."""
    return with_header(forge, '{"alg":' + alg_json + ',"kid":"' + forge.es.kid + '"' + extra + "}")


def claims_of(forge: Forge) -> dict[str, Any]:
    token = forge.issue()
    return json.loads(b64url_decode(token.split(".")[1]))


HOSTILE: dict[str, tuple[Any, str]] = {
    "alg none (unsigned)": (Forge.unsigned, "algorithm 'none' is not allowed"),
    "alg NONE (unsigned)": (lambda f: f.unsigned("NONE"), "algorithm 'NONE' is not allowed"),
    "HS256 keyed with the public key": (
        Forge.hmac_with_public_key,
        "algorithm 'HS256' is not allowed",
    ),
    "expired beyond the leeway": (
        lambda f: f.issue(iat=LONG_AGO, nbf=LONG_AGO, exp=int(time.time()) - 60),
        "token has expired",
    ),
    "not valid before a time beyond the leeway": (
        lambda f: f.issue(nbf=int(time.time()) + 120),
        "token is not valid yet",
    ),
    "issued in the future": (
        lambda f: f.issue(iat=int(time.time()) + 120),
        "token is not valid yet",
    ),
    "wrong issuer": (lambda f: f.issue(iss="https://evil.example"), "wrong issuer"),
    "wrong audience": (lambda f: f.issue(aud="dataservice"), "not meant for this audience"),
    "unknown kid": (lambda f: f.issue(kid="no-such-key"), "unknown key id"),
    "no kid": (Forge.without_kid, "no key id"),
    "tampered payload": (
        lambda f: edit_claims(f.issue(), sub="runner-2"),
        "signature verification failed",
    ),
    "signed by another key under a known kid": (
        lambda f: f.issue(key=f.attacker, kid=f.es.kid),
        "signature verification failed",
    ),
    "signed by a key the token carries": (
        Forge.own_key_in_the_header,
        "signature verification failed",
    ),
    "RSA kid with an EC signature": (
        lambda f: f.issue(key=f.attacker, kid=f.rs.kid),
        "algorithm does not match the key",
    ),
    "not a JWT": (lambda f: "not.a-token", "malformed token"),
    # Headers of the wrong shape: each once answered 500 (a TypeError or RecursionError
    # while reading the header), in every service and at the tokendealer's introspection.
    "alg a number": (lambda f: with_header(f, f'{{"alg":5,"kid":"{f.es.kid}"}}'), "algorithm"),
    "alg a list": (
        lambda f: with_header(f, f'{{"alg":["ES256"],"kid":"{f.es.kid}"}}'),
        "algorithm",
    ),
    "alg an object": (
        lambda f: with_header(f, f'{{"alg":{{"ES256":1}},"kid":"{f.es.kid}"}}'),
        "algorithm",
    ),
    "kid a number": (lambda f: with_header(f, '{"alg":"ES256","kid":5}'), "key id"),
    "kid a list": (lambda f: with_header(f, '{"alg":"ES256","kid":["a"]}'), "key id"),
    "kid of 10000 characters": (
        lambda f: with_header(f, '{"alg":"ES256","kid":"%s"}' % ("k" * 10000)),
        "unknown key id",
    ),
    "header a list": (lambda f: with_header(f, '["ES256"]'), "malformed token"),
    "header a string": (lambda f: with_header(f, '"ES256"'), "malformed token"),
    "header null": (lambda f: with_header(f, "null"), "malformed token"),
    "header nested 100000 deep": (
        lambda f: with_header(f, "[" * 100_000 + "]" * 100_000),
        "malformed token",
    ),
    "header nested 100000 deep in a field": (
        lambda f: with_header(f, '{"alg":"ES256","x":' + "[" * 100_000 + "]" * 100_000 + "}"),
        "malformed token",
    ),
    "header with a 5000-digit number": (
        lambda f: with_header(f, '{"alg":"ES256","x":' + "9" * 5000 + "}"),
        "malformed token",
    ),
    "header not UTF-8": (
        lambda f: b64url(b'{"alg":"\xff"}') + "." + f.issue().split(".", 1)[1],
        "malformed token",
    ),
    "alg with a lone surrogate": (
        lambda f: with_alg(f, '"\\ud800"'),
        "algorithm",
    ),
    "alg not ASCII": (
        lambda f: with_alg(f, '"\u65e5\u672c"'),
        "algorithm",
    ),
    "alg with a quote, a backslash and a newline": (
        lambda f: with_alg(f, '"a\\"\\\\\\n"'),
        "algorithm",
    ),
    "alg of 10000 characters": (
        lambda f: with_alg(f, '"' + "A" * 10000 + '"'),
        "algorithm",
    ),
    "not ASCII": (lambda f: "ééé.ééé.ééé", "malformed token"),
    # PyJWT quotes a crit extension's name in its error: the sender's text, newline included.
    "crit naming an extension with a newline and non-ASCII": (
        lambda f: with_alg(f, '"ES256"', ',"crit":["x\\r\\ny\\u00e9\\u65e5"]'),
        "critical extension",
    ),
}
REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


@pytest.fixture
def forge(issue: Any, es_key: Any, rs_key: Any, attacker_key: Any) -> Forge:
    return Forge(issue, es_key, rs_key, attacker_key)


def assert_invalid_token(response: Any, reason: str) -> None:
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "invalid_token"
    assert reason in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="runnerly", error="invalid_token", ')
    assert 'error_description="' in challenge
    # RFC 6750 §3: the description is printable ASCII without quote or backslash, whatever
    # the token held.
    description = challenge.split('error_description="', 1)[1].rstrip('"')
    assert all(" " <= c <= "~" and c not in '"\\' for c in description)
    if body["message"].isascii() and body["message"].isprintable():
        assert description == body["message"].replace('"', "'")


@pytest.mark.parametrize("path", PROTECTED)
class TestHostileTokens:
    def test_it_lets_the_honest_token_they_are_made_from_through(
        self, client: Any, bearer: Any, forge: Forge, path: str
    ) -> None:
        assert client.get(path, headers=bearer(forge.issue())).status_code == 200

    @pytest.mark.parametrize("case", list(HOSTILE))
    def test_it_answers_401_invalid_token_naming_the_reason(
        self, client: Any, bearer: Any, forge: Forge, path: str, case: str
    ) -> None:
        make, reason = HOSTILE[case]
        response = client.get(path, headers=bearer(make(forge)))
        assert_invalid_token(response, reason)

    @pytest.mark.parametrize("claim", REQUIRED)
    def test_it_answers_401_when_a_required_claim_is_missing(
        self, client: Any, bearer: Any, issue: Any, path: str, claim: str
    ) -> None:
        response = client.get(path, headers=bearer(issue(**{claim: None})))
        assert_invalid_token(response, f"lacks the '{claim}' claim")

    def test_it_answers_401_when_the_scope_claim_was_widened_by_hand(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        token = edit_claims(issue(scope="users:read"), scope="users:read runs:read admin")
        assert_invalid_token(
            client.get(path, headers=bearer(token)), "signature verification failed"
        )

    def test_it_answers_403_insufficient_scope_to_a_valid_token_without_the_scope(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        response = client.get(path, headers=bearer(issue(scope="users:read runs:write")))
        assert response.status_code == 403
        assert response.get_json()["code"] == "insufficient_scope"
        assert "runs:read" in response.get_json()["message"]
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="runnerly", error="insufficient_scope", scope="runs:read"'
        )

    def test_it_does_not_take_a_scope_prefix_for_the_scope(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        response = client.get(path, headers=bearer(issue(scope="runs:reader runs")))
        assert response.status_code == 403


class TestUnsafeConfiguration:
    def test_an_app_configured_with_a_symmetric_algorithm_refuses_to_start(self) -> None:
        settings = Settings.load(
            environ={}, jwks_url="http://127.0.0.1:9/jwks.json", token_algorithms=("ES256", "HS256")
        )
        with pytest.raises(ValueError, match="HS256"):
            create_app("itemservice", settings, configure_logs=False)
