"""A share link's public page and JSON through the gateway (decision 65): their own route
class (rate-limited per address), GET and HEAD only, any token the dataservice makes passes
the WAF, no cookie reaches runnerly-web or comes back, and an answer is cached for as long
as runnerly-web's ``s-maxage`` says, then asked again (so a revoked link stops)."""

from __future__ import annotations

import secrets
import time
from urllib.parse import quote

import requests

SHARED = "public, max-age=0, s-maxage=5"  # what runnerly-web sends


def shared_json(token: str, cache: str = SHARED) -> str:
    return f"/api/web/shared/{token}?_cache={quote(cache)}"


def test_both_paths_take_the_share_class_and_reach_the_web_app(gateway):
    gw = gateway()
    token = secrets.token_urlsafe(32)
    for path in (f"/s/{token}", f"/api/web/shared/{token}"):
        response = requests.get(gw.url(path), timeout=5)
        assert response.status_code == 200
        assert (response.json()["service"], response.json()["path"]) == ("web", path)
    other = requests.get(gw.url("/api/web/runs/1"), timeout=5)
    assert other.status_code == 200
    assert [line["route"] for line in gw.access_log_lines(expect=3)] == ["share", "share", "web"]


def test_an_answer_is_kept_until_its_s_maxage_then_asked_again(gateway):
    gw = gateway()
    path = shared_json(secrets.token_urlsafe(32), "public, max-age=0, s-maxage=1")
    first = requests.get(gw.url(path), timeout=5)
    second = requests.get(gw.url(path), timeout=5)
    assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
    # The cached body is the first answer: the upstream saw one request, not two.
    assert second.json()["headers"]["X-Request-Id"] == first.json()["headers"]["X-Request-Id"]
    assert second.headers["Cache-Control"] == "public, max-age=0, s-maxage=1"
    # nginx counts in whole seconds: an answer kept "1 s" goes within 2 s (5 s: within 6).
    time.sleep(2.1)
    third = requests.get(gw.url(path), timeout=5)
    assert third.headers["X-Cache-Status"] == "EXPIRED"
    assert third.json()["headers"]["X-Request-Id"] != first.json()["headers"]["X-Request-Id"]


def test_an_answer_runnerly_web_does_not_mark_public_is_never_kept(gateway):
    gw = gateway()
    path = shared_json(secrets.token_urlsafe(32), "no-store")
    ids = {requests.get(gw.url(path), timeout=5).json()["headers"]["X-Request-Id"] for _ in "ab"}
    assert len(ids) == 2


def test_the_cache_is_keyed_by_path_not_by_query_or_cookie(gateway):
    gw = gateway()
    token = secrets.token_urlsafe(32)
    first = requests.get(gw.url(shared_json(token)), timeout=5)
    again = requests.get(
        gw.url(shared_json(token) + "&other=1"), cookies={"session": "someone"}, timeout=5
    )
    assert again.headers["X-Cache-Status"] == "HIT"
    assert again.json() == first.json()
    another = requests.get(gw.url(shared_json(secrets.token_urlsafe(32))), timeout=5)
    assert another.headers["X-Cache-Status"] == "MISS"


def test_no_cookie_reaches_the_web_app_and_the_forwarding_headers_still_do(gateway):
    gw = gateway()
    response = requests.get(
        gw.url(f"/s/{secrets.token_urlsafe(32)}"),
        cookies={"session": "a-runners-cookie"},
        timeout=5,
    )
    seen = response.json()["headers"]
    assert "Cookie" not in seen
    assert seen["X-Request-Id"] == response.headers["X-Request-ID"]
    assert seen["X-Forwarded-For"] == "127.0.0.1"
    assert "Set-Cookie" not in response.headers


def test_the_share_class_is_limited_per_address(gateway):
    gw = gateway(limits={"classes": {"share": {"rate": "1r/m", "burst": 2, "nodelay": True}}})
    codes = [
        requests.get(gw.url(f"/api/web/shared/{secrets.token_urlsafe(32)}"), timeout=5).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # Another class keeps its own allowance.
    assert requests.get(gw.url("/api/web/runs/1"), timeout=5).status_code == 200


def test_every_token_passes_the_waf_and_only_reads_are_allowed(gateway):
    gw = gateway(waf=True, limits={"classes": {"share": {"rate": "100r/s", "burst": 200}}})
    tokens = [secrets.token_urlsafe(32) for _ in range(40)] + ["-_" * 21 + "a", "a--b" * 10]
    for token in tokens:
        for path in (f"/s/{token}", f"/api/web/shared/{token}"):
            response = requests.get(gw.url(path), timeout=5)
            assert response.status_code == 200, (path, response.text[:300])
    refused = requests.post(gw.url(f"/api/web/shared/{tokens[0]}"), json={}, timeout=5)
    assert refused.status_code == 405
    attack = requests.get(gw.url("/s/x' or 1=1--"), timeout=5)
    assert attack.status_code == 403
