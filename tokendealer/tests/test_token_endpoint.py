"""POST /oauth/token with client_credentials: RFC 6749 behaviour a client relies on."""

from __future__ import annotations

import base64

import jwt
import pytest


def _token(http, headers=None, **form):
    return http.post("/oauth/token", data=form, headers=headers or {})


class TestClientCredentials:
    def test_it_issues_a_jwt_verifiable_with_the_published_keys(self, http, worker, via_jwks):
        response = _token(http, worker.basic, grant_type="client_credentials")
        assert response.status_code == 200
        body = response.json
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 600
        assert body["scope"] == "runs:read runs:write strava:tokens"
        assert response.headers["Cache-Control"] == "no-store"
        claims = via_jwks(body["access_token"])
        assert claims["sub"] == "strava-worker"
        assert claims["aud"] == "dataservice"
        assert claims["scope"] == body["scope"]
        assert set(claims) >= {"iss", "sub", "aud", "scope", "iat", "nbf", "exp", "jti"}
        assert claims["exp"] - claims["iat"] == 600

    def test_the_token_header_names_its_key_and_an_asymmetric_algorithm(self, http, worker):
        token = _token(http, worker.basic, grant_type="client_credentials").json["access_token"]
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256"
        assert header["kid"]
        assert header["typ"] == "at+jwt"

    def test_every_token_has_its_own_jti(self, http, worker):
        tokens = [
            _token(http, worker.basic, grant_type="client_credentials").json["access_token"]
            for _ in range(3)
        ]
        jtis = {jwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}
        assert len(jtis) == 3

    def test_it_accepts_credentials_in_the_form_body(self, http, worker):
        response = _token(
            http,
            grant_type="client_credentials",
            client_id=worker.client_id,
            client_secret=worker.secret,
        )
        assert response.status_code == 200

    def test_it_grants_a_requested_subset_of_scopes(self, http, worker, via_jwks):
        response = _token(http, worker.basic, grant_type="client_credentials", scope="runs:read")
        assert response.json["scope"] == "runs:read"
        assert via_jwks(response.json["access_token"])["scope"] == "runs:read"

    def test_it_decodes_form_urlencoded_basic_credentials(self, http, worker):
        raw = f"{worker.client_id}:{worker.secret}".replace("-", "%2D").encode()
        headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        assert _token(http, headers, grant_type="client_credentials").status_code == 200


class TestClientAuthenticationErrors:
    def test_a_wrong_secret_is_invalid_client_401(self, http, worker):
        raw = base64.b64encode(f"{worker.client_id}:not-the-secret".encode()).decode()
        response = _token(http, {"Authorization": f"Basic {raw}"}, grant_type="client_credentials")
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"
        assert response.json["code"] == "invalid_client"
        assert response.json["request_id"]
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert "access_token" not in response.json

    def test_an_unknown_client_is_invalid_client_401(self, http):
        response = _token(
            http, grant_type="client_credentials", client_id="nobody", client_secret="x"
        )
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"

    def test_no_credentials_is_invalid_client_401(self, http, worker):
        response = _token(http, grant_type="client_credentials")
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"

    def test_two_authentication_methods_at_once_is_invalid_request(self, http, worker):
        response = _token(
            http, worker.basic, grant_type="client_credentials", client_secret=worker.secret
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"

    @pytest.mark.parametrize(
        "header",
        ["Basic !!!not-base64", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc"],
    )
    def test_malformed_authorization_is_invalid_client(self, http, worker, header):
        response = _token(http, {"Authorization": header}, grant_type="client_credentials")
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"


class TestRequestErrors:
    def test_an_unknown_grant_is_unsupported_grant_type_400(self, http, worker):
        response = _token(http, worker.basic, grant_type="password", username="a", password="b")
        assert response.status_code == 400
        assert response.json["error"] == "unsupported_grant_type"
        assert response.headers["Cache-Control"] == "no-store"

    def test_a_missing_grant_type_is_invalid_request(self, http, worker):
        response = _token(http, worker.basic)
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
        assert "grant_type" in response.json["error_description"]

    def test_a_scope_beyond_the_client_is_invalid_scope_400(self, http, worker):
        response = _token(
            http, worker.basic, grant_type="client_credentials", scope="runs:read admin"
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_scope"
        assert "admin" in response.json["error_description"]

    def test_an_audience_beyond_the_client_is_invalid_target(self, http, worker):
        response = _token(
            http, worker.basic, grant_type="client_credentials", audience="tokendealer"
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_target"

    def test_a_client_with_several_audiences_must_name_one(self, http, web, via_jwks):
        response = _token(http, web.basic, grant_type="client_credentials")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
        named = _token(http, web.basic, grant_type="client_credentials", audience="runnerly-web")
        assert (
            via_jwks(named.json["access_token"], audience="runnerly-web")["sub"] == "runnerly-web"
        )

    def test_a_repeated_parameter_is_invalid_request(self, http, worker):
        response = http.post(
            "/oauth/token",
            headers=worker.basic,
            content_type="application/x-www-form-urlencoded",
            data="grant_type=client_credentials&scope=runs:read&scope=admin",
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"

    def test_a_json_body_is_refused_in_the_oauth_error_shape(self, http, worker):
        response = http.post(
            "/oauth/token", headers=worker.basic, json={"grant_type": "client_credentials"}
        )
        assert response.status_code in (400, 415)
        assert response.json["error"] == "invalid_request"

    def test_get_is_not_allowed(self, http):
        response = http.get("/oauth/token")
        assert response.status_code == 405
        assert response.json["code"] == "method_not_allowed"
        assert "POST" in response.headers["Allow"]
