"""Third-party apps (decision 54): the authorization code flow with PKCE (RFC 7636), as
runnerly-web drives it for a runner who consents, and the token endpoint's
authorization_code and refresh_token grants (rotation, family revocation)."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from tokendealer.apps.models import AuthorizationCode
from tokendealer.apps.pkce import matches, s256
from tokendealer.apps.registry import register_app

REDIRECT = "https://app.example/callback"
LOOPBACK = "http://127.0.0.1/callback"


class App:
    def __init__(self, client_id: str, secret: str | None) -> None:
        self.client_id = client_id
        self.secret = secret

    @property
    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def add_app(dealer):
    def _add(
        client_id: str = "run-stats", *, public: bool = True, scopes: str = "runs:read users:read"
    ) -> App:
        with dealer.db.transaction() as session:
            client, secret = register_app(
                session,
                client_id,
                name="Run Stats",
                redirect_uris=[REDIRECT, LOOPBACK],
                scopes=[scopes],
                public=public,
            )
            return App(client.client_id, secret)

    return _add


@pytest.fixture
def public_app(add_app) -> App:
    return add_app()


def request_for(app: App, verifier: str, **over: Any) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "runs:read",
        "state": "st-123",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **over,
    }


def consent(http, web, app: App, verifier: str, runner: int = 42, **over: Any) -> str:
    """What runnerly-web does when the runner clicks Allow: the redirect's URI."""
    body = {**request_for(app, verifier, **over), "runner_id": runner, "allow": True}
    response = http.post("/apps/authorizations", json=body, headers=web.basic)
    assert response.status_code == 200, response.json
    return str(response.json["redirect_to"])


def query(uri: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(uri).query).items()}


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


def exchange(http, app: App, code: str, verifier: str, redirect_uri: str = REDIRECT, **kw: Any):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    if app.secret is None:
        return http.post("/oauth/token", data={**form, "client_id": app.client_id, **kw})
    return http.post("/oauth/token", data={**form, **kw}, headers=app.basic)


def refresh(http, app: App, token: str, **kw: Any):
    form = {"grant_type": "refresh_token", "refresh_token": token, **kw}
    if app.secret is None:
        return http.post("/oauth/token", data={**form, "client_id": app.client_id})
    return http.post("/oauth/token", data=form, headers=app.basic)


def tokens(http, web, app: App, **over: Any) -> dict[str, Any]:
    verifier = new_verifier()
    code = query(consent(http, web, app, verifier, **over))["code"]
    response = exchange(http, app, code, verifier)
    assert response.status_code == 200, response.json
    return dict(response.json)


def test_the_rfc_7636_appendix_b_vector() -> None:
    # RFC 7636 Appendix B: the verifier is these 32 octets, base64url-encoded...
    octets = bytes(
        [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
         22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]
    )  # fmt: skip
    verifier = base64.urlsafe_b64encode(octets).rstrip(b"=").decode()
    assert verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    # ...and its S256 challenge is:
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert matches(verifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert not matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", s256(verifier))
    assert not matches("short", s256("short"))  # under 43 characters: not a verifier


class TestAuthorizationRequest:
    def test_a_valid_request_names_the_app_and_its_scopes(self, http, web, public_app):
        body = request_for(public_app, new_verifier(), scope="users:read runs:read")
        response = http.post("/apps/authorization-requests", json=body, headers=web.basic)
        assert response.status_code == 200
        assert response.json["app_name"] == "Run Stats"
        assert response.json["scopes"] == ["runs:read", "users:read"]

    @pytest.mark.parametrize(
        "over",
        [
            {"client_id": "no-such-app"},
            {"redirect_uri": "https://evil.example/callback"},
            {"redirect_uri": REDIRECT + "/more"},
            {"redirect_uri": REDIRECT + "?x=1"},
            {"redirect_uri": ""},
        ],
    )
    def test_an_untrusted_app_or_redirect_is_never_redirected_to(self, http, web, public_app, over):
        body = request_for(public_app, new_verifier(), **over)
        asked = http.post("/apps/authorization-requests", json=body, headers=web.basic)
        answered = http.post(
            "/apps/authorizations", json={**body, "runner_id": 42, "allow": True}, headers=web.basic
        )
        for response in (asked, answered):
            assert response.status_code == 400
            assert "redirect_to" not in response.json

    def test_a_service_client_is_not_an_app(self, http, web, worker):
        body = {**request_for(public_app_like(worker.client_id), new_verifier())}
        response = http.post("/apps/authorization-requests", json=body, headers=web.basic)
        assert response.status_code == 400
        assert response.json["error"] == "invalid_client"

    def test_a_loopback_redirect_matches_on_any_port(self, http, web, public_app):
        uri = "http://127.0.0.1:53682/callback"
        redirect = consent(http, web, public_app, new_verifier(), redirect_uri=uri)
        assert redirect.startswith(uri + "?code=")

    @pytest.mark.parametrize(
        ("over", "error"),
        [
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"code_challenge_method": None, "code_challenge": None}, "invalid_request"),
            ({"code_challenge": "too-short"}, "invalid_request"),
            ({"response_type": "token"}, "unsupported_response_type"),
            ({"scope": "runs:read admin"}, "invalid_scope"),
            ({"scope": "strava:tokens"}, "invalid_scope"),
            ({"scope": "runs:write"}, "invalid_scope"),  # not registered for this app
        ],
    )
    def test_other_faults_go_back_to_the_app_with_the_state(
        self, http, web, public_app, over, error
    ):
        body = {
            k: v
            for k, v in request_for(public_app, new_verifier(), **over).items()
            if v is not None
        }
        response = http.post("/apps/authorization-requests", json=body, headers=web.basic)
        assert response.status_code == 400
        target = response.json["redirect_to"]
        assert target.startswith(REDIRECT + "?")
        assert query(target)["error"] == error
        assert query(target)["state"] == "st-123"

    def test_a_denial_goes_back_as_access_denied(self, http, web, public_app):
        body = {**request_for(public_app, new_verifier()), "runner_id": 42, "allow": False}
        response = http.post("/apps/authorizations", json=body, headers=web.basic)
        assert query(response.json["redirect_to"])["error"] == "access_denied"
        assert "code" not in query(response.json["redirect_to"])

    def test_only_the_client_that_logs_runners_in_may_ask(self, http, worker, public_app):
        body = {**request_for(public_app, new_verifier()), "runner_id": 42, "allow": True}
        response = http.post("/apps/authorizations", json=body, headers=worker.basic)
        assert response.status_code == 403
        assert http.post("/apps/authorizations", json=body).status_code == 401


def public_app_like(client_id: str) -> App:
    return App(client_id, None)


class TestCodeExchange:
    def test_the_code_gets_a_runner_token_for_the_app_and_a_refresh_token(
        self, http, web, public_app, via_jwks
    ):
        verifier = new_verifier()
        redirect = consent(http, web, public_app, verifier)
        params = query(redirect)
        assert params["state"] == "st-123"
        assert params["iss"] == "runnerly-tokendealer"  # RFC 9207
        response = exchange(http, public_app, params["code"], verifier)
        assert response.status_code == 200, response.json
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json
        assert body["refresh_token"].startswith("rly_rt_")
        assert body["scope"] == "runs:read"
        claims = via_jwks(body["access_token"])
        assert claims["sub"] == "42"
        assert claims["client_id"] == "run-stats"
        assert claims["act"] == {"sub": "run-stats"}  # the dataservice's mark of a runner token
        assert claims["exp"] - claims["iat"] == 120  # user_token_ttl

    def test_a_confidential_app_must_authenticate(self, http, web, add_app):
        app = add_app("coach-sync", public=False)
        verifier = new_verifier()
        code = query(consent(http, web, app, verifier))["code"]
        anonymous = App(app.client_id, None)
        response = exchange(http, anonymous, code, verifier)
        assert response.status_code == 401
        assert response.json["error"] == "invalid_client"
        wrong = App(app.client_id, "not-the-secret")
        assert exchange(http, wrong, code, verifier).status_code == 401
        assert exchange(http, app, code, verifier).status_code == 200

    def test_a_wrong_verifier_is_refused_and_spends_the_code(self, http, web, public_app):
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        response = exchange(http, public_app, code, new_verifier())
        assert response.status_code == 400
        assert response.json["error"] == "invalid_grant"
        assert "code_verifier" in response.json["error_description"]
        assert exchange(http, public_app, code, verifier).json["error"] == "invalid_grant"

    def test_a_reused_code_is_refused_and_revokes_what_it_issued(self, http, web, public_app):
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        first = exchange(http, public_app, code, verifier)
        assert first.status_code == 200
        again = exchange(http, public_app, code, verifier)
        assert again.status_code == 400
        assert again.json["error"] == "invalid_grant"
        # The refresh token the first exchange gave is revoked with its grant.
        response = refresh(http, public_app, first.json["refresh_token"])
        assert response.status_code == 400
        assert response.json["error"] == "invalid_grant"

    def test_the_redirect_uri_must_be_the_requests(self, http, web, public_app):
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        response = exchange(http, public_app, code, verifier, redirect_uri=LOOPBACK)
        assert response.status_code == 400
        assert response.json["error"] == "invalid_grant"

    def test_an_expired_code_is_refused(self, http, web, public_app, dealer):
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        with dealer.db.transaction() as session:
            session.execute(update(AuthorizationCode).values(expires_at=1.0))
        response = exchange(http, public_app, code, verifier)
        assert response.json["error"] == "invalid_grant"
        assert "expired" in response.json["error_description"]

    def test_another_apps_code_is_unknown(self, http, web, public_app, add_app):
        other = add_app("other-app")
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        response = exchange(http, other, code, verifier)
        assert response.json["error"] == "invalid_grant"
        # ...and the stolen attempt did not spend it for its own app.
        assert exchange(http, public_app, code, verifier).status_code == 200

    def test_an_app_gets_nothing_for_runners_without_consent(self, http, add_app):
        app = add_app("greedy", public=False)
        exchanged = http.post(
            "/oauth/token",
            headers=app.basic,
            data={
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": "42",
                "subject_token_type": RUNNER_ID_TOKEN_TYPE,
                "audience": "dataservice",
            },
        )
        assert exchanged.json["error"] == "unauthorized_client"
        own = http.post(
            "/oauth/token", headers=app.basic, data={"grant_type": "client_credentials"}
        )
        assert own.json["error"] == "unauthorized_client"

    def test_a_service_client_cannot_redeem_codes(self, http, web, worker, public_app):
        verifier = new_verifier()
        code = query(consent(http, web, public_app, verifier))["code"]
        response = http.post(
            "/oauth/token",
            headers=worker.basic,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
        )
        assert response.json["error"] == "unauthorized_client"


class TestRefreshRotation:
    def test_each_refresh_gives_a_new_pair(self, http, web, public_app, via_jwks):
        first = tokens(http, web, public_app)
        response = refresh(http, public_app, first["refresh_token"])
        assert response.status_code == 200, response.json
        assert response.json["refresh_token"] != first["refresh_token"]
        assert via_jwks(response.json["access_token"])["sub"] == "42"

    def test_reusing_a_rotated_token_revokes_the_whole_family(self, http, web, public_app):
        first = tokens(http, web, public_app)
        second = refresh(http, public_app, first["refresh_token"]).json["refresh_token"]
        replay = refresh(http, public_app, first["refresh_token"])
        assert replay.status_code == 400
        assert replay.json["error"] == "invalid_grant"
        # The newest token, held by whoever refreshed legitimately, is gone too.
        assert refresh(http, public_app, second).json["error"] == "invalid_grant"

    def test_scope_may_narrow_never_widen(self, http, web, add_app):
        app = add_app("two-scopes", scopes="runs:read users:read")
        first = tokens(http, web, app, scope="runs:read users:read")
        narrowed = refresh(http, app, first["refresh_token"], scope="runs:read")
        assert narrowed.json["scope"] == "runs:read"
        wider = refresh(http, app, narrowed.json["refresh_token"], scope="runs:read runs:write")
        assert wider.json["error"] == "invalid_scope"

    def test_a_refresh_token_belongs_to_its_app(self, http, web, public_app, add_app):
        first = tokens(http, web, public_app)
        other = add_app("other-app")
        assert refresh(http, other, first["refresh_token"]).json["error"] == "invalid_grant"
        assert refresh(http, public_app, first["refresh_token"]).status_code == 200

    def test_a_disabled_runner_gets_no_more_tokens(self, http, web, public_app, runners):
        first = tokens(http, web, public_app)
        runners.add(42, disabled=True)
        response = refresh(http, public_app, first["refresh_token"])
        assert response.status_code == 400
        assert "disabled" in response.json["error_description"]


class TestAuthorizedApps:
    def test_the_runner_sees_the_app_and_revoking_ends_its_refresh(self, http, web, public_app):
        first = tokens(http, web, public_app)
        listed = http.get("/runners/42/grants", headers=web.basic).json["grants"]
        assert [(g["kind"], g["name"], g["scopes"]) for g in listed] == [
            ("app", "Run Stats", ["runs:read"])
        ]
        assert listed[0]["last_used_at"] is not None
        grant_id = listed[0]["id"]
        assert http.delete(f"/runners/7/grants/{grant_id}", headers=web.basic).status_code == 404
        assert http.delete(f"/runners/42/grants/{grant_id}", headers=web.basic).status_code == 204
        assert http.get("/runners/42/grants", headers=web.basic).json["grants"] == []
        response = refresh(http, public_app, first["refresh_token"])
        assert response.json["error"] == "invalid_grant"
        assert "revoked" in response.json["error_description"]
        assert http.delete(f"/runners/42/grants/{grant_id}", headers=web.basic).status_code == 404

    def test_another_runners_apps_are_not_listed(self, http, web, public_app, runners):
        runners.add(43)
        tokens(http, web, public_app, runner=43)
        assert http.get("/runners/42/grants", headers=web.basic).json["grants"] == []
        assert len(http.get("/runners/43/grants", headers=web.basic).json["grants"]) == 1

    def test_removing_the_app_removes_its_grants(self, http, web, public_app, dealer):
        from tokendealer.clients import registry

        tokens(http, web, public_app)
        with dealer.db.transaction() as session:
            registry.remove(session, public_app.client_id)
        assert http.get("/runners/42/grants", headers=web.basic).json["grants"] == []
