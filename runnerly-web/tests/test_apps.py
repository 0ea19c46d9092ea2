"""Apps acting for a runner (decision 54), through runnerly-web against the real tokendealer
and dataservice: the consent page's calls, the code exchanged with PKCE at the token
endpoint, the token reading this runner's runs and no one else's, the profile's apps list
and revocation, and personal access tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from runnerly_common.testing.services import Dataservice, Tokendealer

from .helpers import Browser, gpx_file

REDIRECT = "http://127.0.0.1/callback"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def app_id(tokendealer: Tokendealer) -> str:
    """A public app registered as an operator does, with the CLI."""
    client_id = f"stats-{uuid.uuid4().hex[:8]}"
    out = tokendealer.cli(
        "add-app",
        client_id,
        "--name",
        "Run Stats",
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "runs:read users:read",
        "--public",
    )
    registered = json.loads(out)
    assert registered["client_secret"] is None and registered["public"] is True
    return client_id


def authorize_query(app_id: str, verifier: str, **over: Any) -> dict[str, Any]:
    return {
        "client_id": app_id,
        "redirect_uri": "http://127.0.0.1:61234/callback",  # loopback: any port
        "response_type": "code",
        "scope": "runs:read",
        "state": "s-" + secrets.token_hex(4),
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **over,
    }


def code_flow(browser: Browser, tokendealer: Tokendealer, app_id: str) -> dict[str, Any]:
    """The consent page's two calls, then the app's exchange: the token response."""
    verifier = secrets.token_urlsafe(64)
    query = authorize_query(app_id, verifier)
    assert browser.post("/api/web/oauth/authorize/check", json=query).status_code == 200
    allowed = browser.post("/api/web/oauth/authorize", json={**query, "allow": True})
    assert allowed.status_code == 200, allowed.json
    params = {k: v[0] for k, v in parse_qs(urlsplit(allowed.json["redirect_to"]).query).items()}
    assert params["state"] == query["state"]
    response = requests.post(
        tokendealer.token_url,
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": query["redirect_uri"],
            "code_verifier": verifier,
            "client_id": app_id,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def runs_of(dataservice: Dataservice, runner_id: int, token: str) -> requests.Response:
    return requests.get(
        f"{dataservice.url}/api/v1/users/{runner_id}/runs",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_the_consent_page_names_the_app_and_what_it_may_do(browser, runner, app_id):
    query = authorize_query(app_id, secrets.token_urlsafe(64), scope="runs:read users:read")
    response = browser.post("/api/web/oauth/authorize/check", json=query)
    assert response.status_code == 200, response.json
    assert response.json["app_name"] == "Run Stats"
    assert [s["scope"] for s in response.json["scopes"]] == ["runs:read", "users:read"]
    assert response.json["scopes"][0]["description"].startswith("See your runs")


def test_a_foreign_redirect_uri_is_refused_and_not_redirected_to(browser, runner, app_id):
    query = authorize_query(
        app_id, secrets.token_urlsafe(64), redirect_uri="https://evil.example/cb"
    )
    for path in ("/api/web/oauth/authorize/check", "/api/web/oauth/authorize"):
        response = browser.post(path, json={**query, "allow": True})
        assert response.status_code == 400
        assert "redirect_to" not in response.json


def test_a_request_without_pkce_goes_back_to_the_app_with_an_error(browser, runner, app_id):
    query = authorize_query(app_id, "x" * 43, code_challenge_method="plain")
    response = browser.post("/api/web/oauth/authorize/check", json=query)
    assert response.status_code == 400
    target = response.json["redirect_to"]
    assert target.startswith("http://127.0.0.1:61234/callback?")
    assert "error=invalid_request" in target and f"state={query['state']}" in target


def test_denying_sends_access_denied(browser, runner, app_id):
    query = authorize_query(app_id, secrets.token_urlsafe(64))
    response = browser.post("/api/web/oauth/authorize", json={**query, "allow": False})
    assert "error=access_denied" in response.json["redirect_to"]


def test_without_a_session_there_is_no_consent(new_browser, app_id):
    anonymous = new_browser()
    query = authorize_query(app_id, secrets.token_urlsafe(64))
    response = anonymous.post("/api/web/oauth/authorize", json={**query, "allow": True})
    assert response.status_code == 401


def test_the_apps_token_reads_its_runners_runs_only(
    browser, runner, new_browser, app_id, tokendealer, dataservice
):
    upload = browser.post(
        "/api/web/runs/import?filename=morning.gpx",
        data=gpx_file(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert upload.status_code == 201, upload.json
    other = new_browser()
    other_runner = other.sign_up()
    token = code_flow(browser, tokendealer, app_id)["access_token"]
    mine = runs_of(dataservice, runner["id"], token)
    assert mine.status_code == 200
    assert len(mine.json()["items"]) == 1
    # Another runner's runs are not there for this token, as if they did not exist.
    assert runs_of(dataservice, other_runner["id"], token).status_code == 404
    # Only the scope granted: runs:read does not write.
    wrote = requests.post(
        f"{dataservice.url}/api/v1/users/{runner['id']}/runs",
        headers={"Authorization": f"Bearer {token}"},
        json={"title": "x"},
        timeout=10,
    )
    assert wrote.status_code == 403


def test_the_profile_lists_the_app_and_revoking_ends_its_refresh(
    browser, runner, app_id, tokendealer
):
    tokens = code_flow(browser, tokendealer, app_id)
    listed = browser.get("/api/web/apps").json["grants"]
    assert [(g["kind"], g["name"]) for g in listed] == [("app", "Run Stats")]
    assert listed[0]["scopes"][0]["scope"] == "runs:read"
    assert browser.delete(f"/api/web/apps/{listed[0]['id']}").status_code == 204
    assert browser.get("/api/web/apps").json["grants"] == []
    refreshed = requests.post(
        tokendealer.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app_id,
        },
        timeout=10,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_runner_cannot_revoke_anothers_app(browser, runner, new_browser, app_id, tokendealer):
    code_flow(browser, tokendealer, app_id)
    grant_id = browser.get("/api/web/apps").json["grants"][0]["id"]
    other = new_browser()
    other.sign_up()
    assert other.delete(f"/api/web/apps/{grant_id}").status_code == 404
    assert len(browser.get("/api/web/apps").json["grants"]) == 1


def test_a_personal_token_is_shown_once_and_reads_runs(browser, runner, tokendealer, dataservice):
    made = browser.post(
        "/api/web/apps/tokens", json={"name": "my script", "scopes": ["runs:read"], "days": 30}
    )
    assert made.status_code == 201, made.json
    exchanged = requests.post(
        tokendealer.token_url,
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": made.json["token"],
            "subject_token_type": "urn:runnerly:params:oauth:token-type:personal-access-token",
        },
        timeout=10,
    )
    assert exchanged.status_code == 200, exchanged.text
    assert runs_of(dataservice, runner["id"], exchanged.json()["access_token"]).status_code == 200
    listed = browser.get("/api/web/apps").json["grants"]
    assert [(g["kind"], g["name"]) for g in listed] == [("personal", "my script")]
    assert "token" not in listed[0]


def test_a_personal_token_cannot_carry_admin(browser, runner):
    made = browser.post("/api/web/apps/tokens", json={"name": "x", "scopes": ["admin"], "days": 30})
    assert made.status_code == 400
