"""The WAF inside the real gateway (the ``gateway`` fixture of conftest.py): it runs after
the request id and before the upstream, its refusals carry the gateway's request id, and
its decisions reach the JSON access log."""

from __future__ import annotations

import requests
from waf_support import write_config

ATTACK = {"q": "1' UNION SELECT password FROM users--"}


def test_an_attack_is_refused_before_the_upstream_with_the_requests_id(gateway) -> None:
    gw = gateway(waf=True)

    response = requests.get(gw.url("/api/v1/runs"), params=ATTACK, timeout=5)

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden"
    assert body["request_id"] == response.headers["X-Request-ID"]
    [line] = gw.access_log_lines(expect=1)
    assert line["status"] == 403
    assert line["upstream_addr"] is None
    assert line["request_id"] == body["request_id"]
    assert line["waf"]["action"] == "block"
    assert line["waf"]["rules"] == body["rules"]
    assert line["waf"]["score"] >= 5


def test_a_well_formed_incoming_request_id_names_the_refusal(gateway) -> None:
    gw = gateway(waf=True)
    request_id = "3f0c5e1a-9b7d-4c2e-8f61-0a1b2c3d4e5f"

    response = requests.get(
        gw.url("/api/web/runs"),
        params={"q": "<script>alert(1)</script>"},
        headers={"X-Request-ID": request_id},
        timeout=5,
    )

    assert response.status_code == 403
    assert response.json()["request_id"] == request_id


def test_benign_traffic_reaches_the_upstream(gateway) -> None:
    gw = gateway(waf=True)

    response = requests.post(
        gw.url("/api/web/runs"), json={"title": "Parkrun's 5k -- PB <3"}, timeout=5
    )

    assert response.status_code == 200
    assert response.json()["service"] == "web"
    [line] = gw.access_log_lines(expect=1)
    assert line["waf"]["action"] == "pass"


def test_a_gpx_upload_reaches_dataservice_through_the_upload_route(gateway) -> None:
    gw = gateway(waf=True)
    gpx = (
        '<?xml version="1.0"?><gpx version="1.1"><trk><name>Parkrun\'s 5k</name>'
        "<desc>select your best; 'A' goal -- &lt;3</desc></trk></gpx>"
    )

    response = requests.post(
        gw.url("/api/v1/users/1/runs/import"),
        params={"filename": "run.gpx"},
        data=gpx.encode(),
        headers={"Content-Type": "application/octet-stream"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json()["service"] == "dataservice"


def test_a_route_in_detection_mode_forwards_the_attack_and_logs_it(gateway, tmp_path) -> None:
    config = write_config(tmp_path, {"routes": {"api": {"mode": "detect"}}})
    gw = gateway(waf=True, waf_config=str(config))

    response = requests.get(gw.url("/api/v1/runs"), params=ATTACK, timeout=5)

    assert response.status_code == 200
    assert response.json()["service"] == "dataservice"
    [line] = gw.access_log_lines(expect=1)
    assert line["waf"]["action"] == "detect"
    assert "200100" in line["waf"]["rules"]


def test_a_method_the_route_does_not_allow_is_refused_with_405(gateway) -> None:
    gw = gateway(waf=True)

    response = requests.delete(gw.url("/oauth/token"), timeout=5)

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["request_id"] == response.headers["X-Request-ID"]
