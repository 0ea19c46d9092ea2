"""Valid bearer tokens pass; missing or malformed credentials get RFC 6750 answers."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from runnerly_common import Settings, create_app
from runnerly_common.auth import requires_scope

PROTECTED = ["/runs", "/api/v1/items/42"]


@pytest.mark.parametrize("path", PROTECTED)
class TestValidTokens:
    def test_it_lets_an_es256_token_with_the_scope_through(
        self, client: Any, bearer: Any, issue: Any, es_key: Any, path: str
    ) -> None:
        response = client.get(path, headers=bearer(issue(key=es_key)))
        assert response.status_code == 200

    def test_it_lets_an_rs256_token_with_the_scope_through(
        self, client: Any, bearer: Any, issue: Any, rs_key: Any, path: str
    ) -> None:
        response = client.get(path, headers=bearer(issue(key=rs_key, scope="admin runs:read")))
        assert response.status_code == 200

    def test_it_accepts_a_token_expired_within_the_leeway(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        now = int(time.time())
        token = issue(iat=now - 300, nbf=now - 300, exp=now - 10)  # leeway is 30 s
        assert client.get(path, headers=bearer(token)).status_code == 200

    def test_it_accepts_a_token_valid_from_within_the_leeway(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        now = int(time.time())
        token = issue(iat=now + 10, nbf=now + 10)  # the issuer's clock runs a little ahead
        assert client.get(path, headers=bearer(token)).status_code == 200

    def test_it_accepts_a_token_for_several_audiences_including_this_one(
        self, client: Any, bearer: Any, issue: Any, path: str
    ) -> None:
        token = issue(aud=["dataservice", "itemservice"])
        assert client.get(path, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("path", PROTECTED)
class TestMissingCredentials:
    def test_it_answers_401_without_an_error_code_when_no_token_is_sent(
        self, client: Any, path: str
    ) -> None:
        response = client.get(path)
        assert response.status_code == 401
        assert response.get_json()["code"] == "missing_token"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="runnerly"'

    @pytest.mark.parametrize("header", ["Basic cnVubmVyOnNlY3JldA==", "Token abc"])
    def test_it_answers_401_with_the_bearer_challenge_to_another_scheme(
        self, client: Any, path: str, header: str
    ) -> None:
        response = client.get(path, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.get_json()["code"] == "missing_token"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="runnerly"'

    def test_it_answers_400_invalid_request_to_an_empty_bearer_token(
        self, client: Any, path: str
    ) -> None:
        response = client.get(path, headers={"Authorization": "Bearer  "})
        assert response.status_code == 400
        assert response.get_json()["code"] == "invalid_request"
        assert 'error="invalid_request"' in response.headers["WWW-Authenticate"]


class TestTheRunsView:
    def test_it_sees_the_verified_claims(self, client: Any, bearer: Any, issue: Any) -> None:
        response = client.get("/runs", headers=bearer(issue(sub="runner-9")))
        assert response.get_json() == {"sub": "runner-9", "runs": []}


class TestAudienceSetting:
    def test_a_configured_audience_replaces_the_service_name(
        self, make_app: Any, bearer: Any, issue: Any
    ) -> None:
        client = make_app(token_audience="dataservice").test_client()
        assert client.get("/runs", headers=bearer(issue(aud="dataservice"))).status_code == 200
        refused = client.get("/runs", headers=bearer(issue(aud="itemservice")))
        assert refused.status_code == 401


class TestOperationsWithAlternativeScopes:
    @pytest.mark.parametrize("scope", ["runs:write", "admin", "runs:read admin"])
    def test_any_one_alternative_is_enough(
        self, client: Any, bearer: Any, issue: Any, scope: str
    ) -> None:
        response = client.delete("/api/v1/items/3", headers=bearer(issue(scope=scope)))
        assert response.status_code == 204

    def test_it_answers_403_naming_the_first_alternative_when_none_is_held(
        self, client: Any, bearer: Any, issue: Any
    ) -> None:
        response = client.delete("/api/v1/items/3", headers=bearer(issue(scope="runs:read")))
        assert response.status_code == 403
        assert response.get_json()["code"] == "insufficient_scope"
        assert 'scope="runs:write"' in response.headers["WWW-Authenticate"]


class TestWithoutAVerifier:
    @pytest.fixture
    def app(self) -> Flask:
        app = create_app("itemservice", Settings.load(environ={}), configure_logs=False)

        @app.get("/runs")
        @requires_scope("runs:read")
        def runs() -> dict[str, str]:
            return {"leaked": "data"}

        return app

    def test_a_protected_view_fails_closed_with_a_json_500(
        self, app: Flask, bearer: Any, issue: Any
    ) -> None:
        response = app.test_client().get("/runs", headers=bearer(issue()))
        assert response.status_code == 500
        assert response.get_json()["code"] == "internal_error"
        assert "leaked" not in response.get_data(as_text=True)
