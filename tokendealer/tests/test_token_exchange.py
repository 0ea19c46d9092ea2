"""RFC 8693 token exchange: runnerly-web obtains a short-lived token for a runner."""

from __future__ import annotations

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE


def _exchange(http, client, **form):
    data = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": "42",
        "subject_token_type": RUNNER_ID_TOKEN_TYPE,
        "audience": "dataservice",
        **form,
    }
    return http.post("/oauth/token", data=data, headers=client.basic)


class TestTokenExchange:
    def test_an_allowed_client_gets_a_token_whose_subject_is_the_runner(self, http, web, via_jwks):
        response = _exchange(http, web, scope="runs:read")
        assert response.status_code == 200
        body = response.json
        assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
        assert body["expires_in"] == 120
        claims = via_jwks(body["access_token"])
        assert claims["sub"] == "42"
        assert claims["scope"] == "runs:read"
        assert claims["act"] == {"sub": "runnerly-web"}
        assert claims["exp"] - claims["iat"] == 120

    def test_without_a_scope_it_grants_every_user_scope_of_the_client(self, http, web):
        response = _exchange(http, web)
        assert response.json["scope"] == "runs:read runs:write users:read"

    def test_a_client_without_user_scopes_may_not_exchange(self, http, worker):
        response = _exchange(http, worker)
        assert response.status_code == 400
        assert response.json["error"] == "unauthorized_client"

    def test_a_scope_beyond_the_user_scopes_is_invalid_scope(self, http, web):
        response = _exchange(http, web, scope="runs:read admin")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_scope"

    def test_service_scopes_do_not_leak_into_runner_tokens(self, http, web):
        response = _exchange(http, web, scope="users:write")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_scope"

    def test_an_unknown_subject_token_type_is_invalid_request(self, http, web):
        response = _exchange(
            http, web, subject_token_type="urn:ietf:params:oauth:token-type:id_token"
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"

    def test_a_malformed_runner_id_is_invalid_request(self, http, web):
        response = _exchange(http, web, subject_token="42 OR 1=1")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"

    def test_a_missing_subject_is_invalid_request(self, http, web):
        response = http.post(
            "/oauth/token",
            headers=web.basic,
            data={"grant_type": TOKEN_EXCHANGE, "audience": "dataservice"},
        )
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
