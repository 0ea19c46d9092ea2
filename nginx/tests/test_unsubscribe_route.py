"""RFC 8058 one-click unsubscribe through the gateway: a mail client's POST of
``List-Unsubscribe=One-Click`` to ``/unsubscribe/<token>`` (no cookie, no CSRF header)
reaches the web app intact with the WAF on, whatever random token the link carries."""

from __future__ import annotations

import secrets

import requests

ONE_CLICK = "List-Unsubscribe=One-Click"


def test_a_mail_clients_one_click_post_reaches_the_web_app_with_the_waf_on(gateway):
    gw = gateway(waf=True)
    # Tokens as the dataservice makes them: any of them must pass, not only a lucky one.
    tokens = [secrets.token_urlsafe(32) for _ in range(40)] + ["-_" * 21 + "a", "a--b" * 10]
    for token in tokens:
        response = requests.post(
            gw.url(f"/unsubscribe/{token}"),
            data=ONE_CLICK,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )
        assert response.status_code == 200, (token, response.text[:300])
        echoed = response.json()
        assert (echoed["service"], echoed["method"]) == ("web", "POST")
        assert echoed["path"] == f"/unsubscribe/{token}"
        assert echoed["body"] == ONE_CLICK
    assert {line["route"] for line in gw.access_log_lines(expect=len(tokens))} == {"web"}
    # The WAF is on and looking at this route: an injection in the same body is refused.
    attack = requests.post(
        gw.url(f"/unsubscribe/{tokens[0]}"),
        data="List-Unsubscribe=admin' or 1=1--",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert attack.status_code == 403


def test_the_multipart_one_click_body_passes_too(gateway):
    gw = gateway(waf=True)
    token = secrets.token_urlsafe(32)
    response = requests.post(
        gw.url(f"/unsubscribe/{token}"), files={"List-Unsubscribe": (None, "One-Click")}, timeout=5
    )
    assert response.status_code == 200, response.text[:300]
    assert 'name="List-Unsubscribe"' in response.json()["body"]
