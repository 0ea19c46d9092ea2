"""The tokendealer gives out only what it must (issue 14, section 6): a runner token for a
runner id written one way only, of a runner that exists and is enabled; `admin` only when
asked for and held; a token's claims only to its own client or the resource server it is
for; and /verify_token only to authenticated clients."""

from __future__ import annotations

import base64

import pytest

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from runnerly_common.testing import free_port


def _exchange(http, client, subject: str = "42", **form):
    data = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": subject,
        "subject_token_type": RUNNER_ID_TOKEN_TYPE,
        "audience": "dataservice",
        **form,
    }
    return http.post("/oauth/token", data=data, headers=client.basic)


@pytest.fixture
def web_with_admin(register):
    """runnerly-web as config/clients.toml registers it: `admin` among its user scopes."""
    return register(
        "runnerly-web",
        ["dataservice"],
        "users:read users:write",
        user_scope="runs:read users:read admin",
    )


class TestRunnerIds:
    @pytest.mark.parametrize(
        "subject",
        ["03", "+3", " 3", "3 ", "3.0", "0", "-3", "9223372036854775808", "1e3", "٣", "0x3"],
    )
    def test_only_the_canonical_spelling_of_a_runner_id_is_accepted(
        self, http, web, runners, subject
    ):
        runners.add(3)
        response = _exchange(http, web, subject, scope="runs:read")
        assert response.status_code == 400, response.json
        assert response.json["error"] == "invalid_request"
        assert "runner id" in response.json["error_description"]
        assert runners.calls == 0  # refused before asking anyone

    def test_the_largest_64_bit_id_is_a_runner_id(self, http, web, runners):
        runners.add(2**63 - 1)
        response = _exchange(http, web, str(2**63 - 1), scope="runs:read")
        assert response.status_code == 200, response.json

    def test_a_runner_the_dataservice_does_not_know_gets_no_token(self, http, web):
        response = _exchange(http, web, "7", scope="runs:read")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_request"
        assert "no runner 7" in response.json["error_description"]

    def test_a_disabled_runner_gets_no_token(self, http, web, runners):
        runners.add(8, disabled=True)
        response = _exchange(http, web, "8", scope="runs:read")
        assert response.status_code == 400
        assert "runner 8 is disabled" in response.json["error_description"]

    def test_an_unreachable_dataservice_fails_closed_with_503(self, http, web, dealer):
        dealer.runners.base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens
        response = _exchange(http, web, scope="runs:read")
        assert response.status_code == 503
        assert response.json["code"] == "service_unavailable"
        assert response.json["error"] == "temporarily_unavailable"
        assert response.headers["Retry-After"] == "5"
        assert "access_token" not in response.json

    def test_a_failing_dataservice_fails_closed_with_503(self, http, web, runners):
        runners.status = 500
        response = _exchange(http, web, scope="runs:read")
        assert response.status_code == 503
        assert "access_token" not in response.json

    def test_a_found_runner_is_remembered_a_missing_one_is_asked_again(
        self, http, web, runners, dealer
    ):
        dealer.runners.cache_seconds = 60
        assert _exchange(http, web, scope="runs:read").status_code == 200
        assert _exchange(http, web, scope="runs:read").status_code == 200
        assert runners.calls == 1
        assert _exchange(http, web, "9", scope="runs:read").status_code == 400
        runners.add(9)  # signed up just now: not refused from a cached miss
        assert _exchange(http, web, "9", scope="runs:read").status_code == 200
        assert runners.calls == 3


class TestAdmin:
    def test_admin_is_not_granted_unless_asked_for(self, http, web_with_admin, runners, via_jwks):
        runners.add(42, is_admin=True)
        response = _exchange(http, web_with_admin)
        assert response.status_code == 200
        assert "admin" not in via_jwks(response.json["access_token"])["scope"].split()

    def test_a_runner_who_is_not_an_administrator_never_gets_admin(
        self, http, web_with_admin, runners
    ):
        runners.add(42, is_admin=False)
        response = _exchange(http, web_with_admin, scope="runs:read admin")
        assert response.status_code == 400
        assert response.json["error"] == "invalid_scope"
        assert "not an administrator" in response.json["error_description"]

    def test_an_administrator_gets_admin_when_asking_for_it(
        self, http, web_with_admin, runners, via_jwks
    ):
        runners.add(42, is_admin=True)
        response = _exchange(http, web_with_admin, scope="runs:read admin")
        assert response.status_code == 200
        assert via_jwks(response.json["access_token"])["scope"] == "admin runs:read"


@pytest.fixture
def worker_token(http, worker) -> str:
    return http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=worker.basic
    ).json["access_token"]


@pytest.fixture
def dataservice_rs(register):
    """The dataservice registered as the resource server of audience `dataservice`."""
    return register("dataservice", ["dataservice"])


class TestIntrospection:
    def test_another_client_learns_nothing_of_a_valid_token(self, http, web, worker_token):
        response = http.post("/oauth/introspect", data={"token": worker_token}, headers=web.basic)
        assert response.status_code == 200
        assert response.json == {"active": False}

    def test_the_resource_server_the_token_is_for_learns_its_claims(
        self, http, dataservice_rs, worker_token
    ):
        response = http.post(
            "/oauth/introspect", data={"token": worker_token}, headers=dataservice_rs.basic
        )
        assert response.json["active"] is True
        assert response.json["client_id"] == "strava-worker"

    def test_the_tokens_own_client_learns_its_claims(self, http, worker, worker_token):
        response = http.post(
            "/oauth/introspect", data={"token": worker_token}, headers=worker.basic
        )
        assert response.json["active"] is True


class TestVerifyToken:
    def _verify(self, http, token: str, headers=None):
        body = {"access_token": token, "audience": "dataservice"}
        return http.post("/verify_token", json=body, headers=headers or {})

    def test_it_needs_client_authentication(self, http, worker_token):
        response = self._verify(http, worker_token)
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"
        assert "sub" not in response.json

    def test_a_wrong_secret_is_401(self, http, worker, worker_token):
        raw = base64.b64encode(f"{worker.client_id}:not-the-secret".encode()).decode()
        wrong = {"Authorization": f"Basic {raw}"}
        assert self._verify(http, worker_token, wrong).status_code == 401

    def test_the_resource_server_gets_the_claims(self, http, dataservice_rs, worker_token):
        response = self._verify(http, worker_token, dataservice_rs.basic)
        assert response.status_code == 200
        assert response.json["sub"] == "strava-worker"

    def test_another_client_is_refused_whether_or_not_the_token_is_valid(
        self, http, web, worker_token
    ):
        valid = self._verify(http, worker_token, web.basic)
        assert valid.status_code == 403
        assert valid.json["code"] == "not_your_token"
        header, body, _ = worker_token.split(".")
        forged = self._verify(http, f"{header}.{body}.AAAA", web.basic)
        assert (forged.status_code, forged.json["message"]) == (403, valid.json["message"])


class TestReadiness:
    def test_readyz_shows_the_dataservice_without_depending_on_it(self, http, dealer):
        dealer.runners.base_url = f"http://127.0.0.1:{free_port()}"  # nothing listens
        response = http.get("/readyz")
        assert response.status_code == 200  # service tokens and the JWKS still work
        check = response.json["checks"]["dataservice"]
        assert check["ok"] is False and check["required"] is False
