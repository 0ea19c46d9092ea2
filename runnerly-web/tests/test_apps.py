"""Apps acting for a runner (decision 54), through runnerly-web against the real tokendealer
and dataservice: the consent page's calls, the code exchanged with PKCE at the token
endpoint, the token reading this runner's runs and no one else's, the profile's apps list
and revocation, and personal access tokens."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import secrets
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, Response, request

from runnerly_common.testing import LiveServer
from runnerly_common.testing.services import Dataservice, Tokendealer, repo_root

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
    assert browser.get("/api/web/oauth/authorize/check", query_string=query).status_code == 200
    allowed = browser.post("/api/web/oauth/authorize", query_string=query, json={"allow": True})
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
    response = browser.get("/api/web/oauth/authorize/check", query_string=query)
    assert response.status_code == 200, response.json
    assert response.json["app_name"] == "Run Stats"
    assert [s["scope"] for s in response.json["scopes"]] == ["runs:read", "users:read"]
    assert response.json["scopes"][0]["description"].startswith("See your runs")


def test_a_foreign_redirect_uri_is_refused_and_not_redirected_to(browser, runner, app_id):
    query = authorize_query(
        app_id, secrets.token_urlsafe(64), redirect_uri="https://evil.example/cb"
    )
    checked = browser.get("/api/web/oauth/authorize/check", query_string=query)
    answered = browser.post("/api/web/oauth/authorize", query_string=query, json={"allow": True})
    for response in (checked, answered):
        assert response.status_code == 400
        assert "redirect_to" not in response.json


def test_a_request_without_pkce_goes_back_to_the_app_with_an_error(browser, runner, app_id):
    query = authorize_query(app_id, "x" * 43, code_challenge_method="plain")
    response = browser.get("/api/web/oauth/authorize/check", query_string=query)
    assert response.status_code == 400
    target = response.json["redirect_to"]
    assert target.startswith("http://127.0.0.1:61234/callback?")
    assert "error=invalid_request" in target and f"state={query['state']}" in target


def test_denying_sends_access_denied(browser, runner, app_id):
    query = authorize_query(app_id, secrets.token_urlsafe(64))
    response = browser.post("/api/web/oauth/authorize", query_string=query, json={"allow": False})
    assert "error=access_denied" in response.json["redirect_to"]


def test_without_a_session_there_is_no_consent(new_browser, app_id):
    anonymous = new_browser()
    query = authorize_query(app_id, secrets.token_urlsafe(64))
    response = anonymous.post("/api/web/oauth/authorize", query_string=query, json={"allow": True})
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


def _gateway_stand_in(tokendealer: Tokendealer, dataservice: Dataservice) -> Flask:
    """The gateway's routing for the example: /oauth/token to the tokendealer, /api/v1 to
    the dataservice (nginx itself is in the e2e journey, e2e/test_apps.py)."""
    proxy = Flask("gateway-stand-in")

    @proxy.route("/<path:path>", methods=["GET", "POST"])
    def forward(path: str) -> Response:
        target = tokendealer.url if path == "oauth/token" else dataservice.url
        headers = {
            k: v for k, v in request.headers if k.lower() in ("authorization", "content-type")
        }
        answer = requests.request(
            request.method,
            f"{target}/{path}",
            params=request.args,
            data=request.get_data(),
            headers=headers,
            timeout=10,
        )
        return Response(
            answer.content, answer.status_code, content_type=answer.headers.get("Content-Type")
        )

    return proxy


def test_the_documented_example_lists_the_runners_runs(browser, runner, tokendealer, dataservice):
    path = repo_root() / "docs" / "examples" / "runs_by_code_flow.py"
    spec = importlib.util.spec_from_file_location("runs_by_code_flow", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    client_id = f"runs-script-{uuid.uuid4().hex[:6]}"
    tokendealer.cli(
        "add-app", client_id, "--name", "Runs script", "--redirect-uri", REDIRECT,
        "--scope", "runs:read", "--public",
    )  # fmt: skip
    upload = browser.post(
        "/api/web/runs/import?filename=evening.gpx",
        data=gpx_file(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert upload.status_code == 201
    gateway = LiveServer(_gateway_stand_in(tokendealer, dataservice))
    example.BASE, example.CLIENT_ID = gateway.url, client_id

    def runner_allows(url: str) -> None:
        """The browser on the consent page: the runner clicks Allow; it follows the redirect."""
        assert url.startswith(f"{gateway.url}/oauth/authorize?")
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        allowed = browser.post("/api/web/oauth/authorize", query_string=query, json={"allow": True})
        assert allowed.status_code == 200, allowed.json
        # The script waits for this request on its loopback server: sent from a thread.
        threading.Thread(target=requests.get, args=(allowed.json["redirect_to"],)).start()

    try:
        tokens = example.get_token(open_url=runner_allows)
        runs = example.list_runs(tokens["access_token"])
    finally:
        gateway.stop()
    assert [run["runner_id"] for run in runs] == [runner["id"]]
