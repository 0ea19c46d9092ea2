"""Personal access tokens (decision 54): made by a runner in runnerly-web, shown once,
exchanged (RFC 8693, no client) for a runner token of at most the scopes chosen, until they
expire or are revoked."""

from __future__ import annotations

from sqlalchemy import update

from tokendealer.apps.grants import PERSONAL_TOKEN_TYPE
from tokendealer.apps.models import RunnerGrant

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def create(http, web, runner: int = 42, **over):
    body = {"name": "my script", "scopes": ["runs:read"], "days": 30, **over}
    return http.post(f"/runners/{runner}/personal-tokens", json=body, headers=web.basic)


def exchange(http, token: str, **form):
    data = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": token,
        "subject_token_type": PERSONAL_TOKEN_TYPE,
        **form,
    }
    return http.post("/oauth/token", data=data)


def test_a_personal_token_is_shown_once_and_exchanged_for_a_runner_token(http, web, via_jwks):
    made = create(http, web, scopes=["runs:read", "users:read"], days=7)
    assert made.status_code == 201, made.json
    token = made.json["token"]
    assert token.startswith("rly_pat_")
    response = exchange(http, token)
    assert response.status_code == 200, response.json
    claims = via_jwks(response.json["access_token"])
    assert claims["sub"] == "42"
    assert claims["act"] == {"sub": "personal-token"}
    assert claims["scope"] == "runs:read users:read"
    assert claims["exp"] - claims["iat"] == 120  # short-lived, whatever the token's days
    listed = http.get("/runners/42/grants", headers=web.basic).json["grants"]
    assert [(g["kind"], g["name"]) for g in listed] == [("personal", "my script")]
    assert listed[0]["expires_at"] is not None and listed[0]["last_used_at"] is not None
    assert token not in str(listed)  # never shown again


def test_scope_may_narrow_never_widen(http, web):
    token = create(http, web, scopes=["runs:read", "users:read"]).json["token"]
    assert exchange(http, token, scope="runs:read").json["scope"] == "runs:read"
    assert exchange(http, token, scope="runs:write").json["error"] == "invalid_scope"


def test_an_expired_token_is_refused(http, web, dealer):
    token = create(http, web).json["token"]
    with dealer.db.transaction() as session:
        session.execute(update(RunnerGrant).values(expires_at=1.0))
    response = exchange(http, token)
    assert response.status_code == 400
    assert "expired" in response.json["error_description"]
    assert http.get("/runners/42/grants", headers=web.basic).json["grants"] == []


def test_a_revoked_token_is_refused(http, web):
    made = create(http, web).json
    grant_id = made["grant"]["id"]
    assert http.delete(f"/runners/42/grants/{grant_id}", headers=web.basic).status_code == 204
    response = exchange(http, made["token"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_an_unknown_token_is_refused(http):
    assert exchange(http, "rly_pat_" + "x" * 43).json["error"] == "invalid_request"
    assert exchange(http, "42").json["error"] == "invalid_request"


def test_admin_and_strava_tokens_cannot_be_chosen(http, web):
    for scope in ("admin", "strava:tokens", "users:write"):
        response = create(http, web, scopes=["runs:read", scope])
        assert response.status_code == 400, scope


def test_the_expiry_is_one_to_365_days(http, web):
    assert create(http, web, days=0).status_code == 400
    assert create(http, web, days=366).status_code == 400
    assert create(http, web, days=365).status_code == 201


def test_only_the_client_that_logs_runners_in_makes_them(http, worker):
    assert create(http, worker).status_code == 403
