"""A third-party app's authorization request (decision 54) through the gateway, WAF on: the
consent page `/oauth/authorize` reaches runnerly-web with its query intact (a redirect URI
in it is no attack), and the code and refresh grants reach the tokendealer."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

AUTHORIZE = urlencode(
    {
        "response_type": "code",
        "client_id": "runs-script",
        "redirect_uri": "http://127.0.0.1:53682/callback",
        "scope": "runs:read users:read",
        "state": "Zm9vYmFy-_",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
)


def test_the_consent_page_reaches_the_web_app_with_its_query(gateway):
    gw = gateway(waf=True)
    response = requests.get(gw.url(f"/oauth/authorize?{AUTHORIZE}"), timeout=5)
    assert response.status_code == 200, response.text
    echoed = response.json()
    assert (echoed["service"], echoed["path"], echoed["query"]) == (
        "web",
        "/oauth/authorize",
        AUTHORIZE,
    )
    assert gw.access_log_lines(expect=1)[0]["route"] == "web"


def test_the_dashboards_consent_calls_carry_it_in_their_query_not_in_a_body(gateway):
    gw = gateway(waf=True)
    checked = requests.get(gw.url(f"/api/web/oauth/authorize/check?{AUTHORIZE}"), timeout=5)
    answered = requests.post(
        gw.url(f"/api/web/oauth/authorize?{AUTHORIZE}"), json={"allow": True}, timeout=5
    )
    for response in (checked, answered):
        assert response.status_code == 200, response.text
        assert response.json()["query"] == AUTHORIZE
    # Anywhere else on the web route a loopback URL is still taken for SSRF.
    smuggled = requests.post(
        gw.url("/api/web/profile"),
        json={"redirect_uri": "http://127.0.0.1:53682/callback"},
        timeout=5,
    )
    assert smuggled.status_code == 403
    assert "260110" in smuggled.json()["rules"]


def test_the_code_and_refresh_grants_reach_the_tokendealer(gateway):
    gw = gateway(waf=True)
    forms = [
        {
            "grant_type": "authorization_code",
            "client_id": "runs-script",
            "code": "Qm9vdGxlZw-abc_123",
            "redirect_uri": "http://127.0.0.1:53682/callback",
            "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        },
        {
            "grant_type": "refresh_token",
            "client_id": "runs-script",
            "refresh_token": "rly_rt_x-y_z",
        },
    ]
    for form in forms:
        response = requests.post(gw.url("/oauth/token"), data=form, timeout=5)
        assert response.status_code == 200, response.text
        assert response.json()["service"] == "tokendealer"
