"""The book's /verify_token and RFC 7662 introspection."""

from __future__ import annotations

import time

import jwt
import pytest


@pytest.fixture
def token(http, worker) -> str:
    return http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=worker.basic
    ).json["access_token"]


class TestVerifyToken:
    # The token's own client asks: /verify_token needs client authentication, and answers
    # only the token's client or its resource server (test_least_privilege.py).
    def test_it_answers_the_claims_of_a_valid_token(self, http, token, worker):
        response = http.post(
            "/verify_token",
            json={"access_token": token, "audience": "dataservice"},
            headers=worker.basic,
        )
        assert response.status_code == 200
        assert response.json["sub"] == "strava-worker"

    def test_a_token_for_another_audience_is_400_with_a_reason(self, http, token, worker):
        response = http.post(
            "/verify_token",
            json={"access_token": token, "audience": "runnerly-web"},
            headers=worker.basic,
        )
        assert response.status_code == 400
        assert response.json["code"] == "invalid_token"
        assert "audience" in response.json["message"]

    def test_garbage_is_400(self, http, worker):
        response = http.post(
            "/verify_token",
            json={"access_token": "abc", "audience": "dataservice"},
            headers=worker.basic,
        )
        assert response.status_code == 400
        assert response.json["message"] == "malformed token"

    def test_a_missing_field_is_400_naming_it(self, http, token, worker):
        response = http.post("/verify_token", json={"access_token": token}, headers=worker.basic)
        assert response.status_code == 400
        assert response.json["code"] == "invalid_request"
        assert "audience" in response.json["message"]


class TestIntrospection:
    def test_an_authenticated_client_learns_that_a_token_is_active(self, http, worker, token):
        response = http.post("/oauth/introspect", data={"token": token}, headers=worker.basic)
        assert response.status_code == 200
        assert response.json["active"] is True
        assert response.json["sub"] == "strava-worker"
        assert response.json["scope"] == "runs:read runs:write strava:tokens"

    def test_a_forged_token_is_inactive(self, http, worker, token):
        claims = jwt.decode(token, options={"verify_signature": False})
        claims["scope"] = "admin"
        header, _, signature = token.split(".")
        forged_body = jwt.utils.base64url_encode(jwt.api_jwt.json.dumps(claims).encode()).decode()
        forged = f"{header}.{forged_body}.{signature}"
        response = http.post("/oauth/introspect", data={"token": forged}, headers=worker.basic)
        assert response.json == {"active": False}

    def test_an_expired_token_is_inactive(self, http, dealer, worker):
        token, _ = dealer.issue_token(
            client_id="strava-worker",
            subject="strava-worker",
            audiences=["dataservice"],
            scopes=["runs:read"],
            ttl=30,
        )
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] <= time.time() + 30
        later = dealer.verifier.leeway
        dealer.verifier.leeway = -60  # as if two minutes had passed
        try:
            response = http.post("/oauth/introspect", data={"token": token}, headers=worker.basic)
        finally:
            dealer.verifier.leeway = later
        assert response.json == {"active": False}

    def test_an_anonymous_caller_is_invalid_client(self, http, token):
        response = http.post("/oauth/introspect", data={"token": token})
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"

    def test_a_missing_token_is_invalid_request(self, http, worker):
        response = http.post("/oauth/introspect", data={}, headers=worker.basic)
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
