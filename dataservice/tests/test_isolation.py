"""Every operation on a runner's resources, read from the spec: runner A's token can
neither read, change nor delete runner B's. Each answers 404 (existence does not leak) and
the database is left exactly as it was. An operation added to the spec without a body
here fails this test until it is covered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import dataservice
from runnerly_common.openapi import load_spec

SPEC = load_spec(Path(dataservice.__file__).with_name("openapi"))
GPX = b"""<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Loop</name><trkseg>
<trkpt lat="48.0000" lon="2.0000"><ele>10</ele><time>2026-03-02T07:00:00Z</time></trkpt>
<trkpt lat="48.0090" lon="2.0000"><ele>12</ele><time>2026-03-02T07:05:00Z</time></trkpt>
<trkpt lat="48.0180" lon="2.0000"><ele>11</ele><time>2026-03-02T07:10:00Z</time></trkpt>
</trkseg></trk></gpx>"""
RUN = {
    "start_time": "2026-03-01T07:30:00Z",
    "distance": 5000.0,
    "moving_time": 1500,
    "elapsed_time": 1500,
}
# A valid body (or query) for each operation that takes one.
BODIES: dict[str, Any] = {
    "updateUser": {"first_name": "Mallory"},
    "setPassword": {"password": "a-new-password"},
    "putStravaLink": {
        "athlete_id": 999,
        "access_token": "a",
        "refresh_token": "r",
        "expires_at": "2030-01-01T00:00:00Z",
    },
    "updateStravaLink": {"sync_state": "idle"},
    "createRun": RUN,
    "addRuns": {
        "runs": [{**RUN, "source": "strava", "external_id": "x1"}],
        "set_aside": [{"source": "strava", "external_id": "x2", "reason": "planted"}],
    },
    "updateRun": {"title": "Mine now"},
    "mergeRun": {"run_id": 1},
    "createRace": {"name": "Stolen", "date": "2031-05-04", "distance": 5000},
    "updateRace": {"name": "Mine now"},
    # B's race, starting on the Monday of B's plan (filled in by _request)
    "createPlan": {"name": "Stolen", "sessions": []},
    "updatePlan": {"name": "Mine now"},
    "generatePlan": {},
    "updatePlanSession": {"skipped": True},
    "putRunStreams": {"streams": None},
    "updateExport": {"state": "failed", "error": "planted"},
    "putExportChunk": b"PK",  # the zip's bytes, not JSON (_request)
    "confirmTwoFactor": {"code": "123456"},
    "verifyTwoFactor": {"code": "123456"},
    "disableTwoFactor": {"code": "123456"},
    "regenerateRecoveryCodes": {"code": "123456"},
    "updateEmailPreferences": {"monthly_report": False},
    # A link to B's run (filled in by _request: A's own run under A's path is allowed).
    "createShareLink": {"run_id": 1},
    "createPrivacyZone": {"label": "B's home", "lat": 48.0, "lon": 2.0, "radius": 200},
    "createGear": {"name": "Stolen shoes"},
    "updateGear": {"name": "Mine now", "retired": True},
}
FILLS = {"year": "2026", "month": "3", "distance": "5000", "activity_id": "b1", "seq": "0"}


def runner_operations() -> list[tuple[str, str, str]]:
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or not (
                "{user_id}" in path or "{runner_id}" in path
            ):
                continue
            # An administrator's operation on a runner (resetTwoFactor) is meant for others'
            # accounts: a runner's token lacks its scope (403); two_factor's API tests check it.
            if any(
                "admin" in scopes for s in operation.get("security", []) for scopes in s.values()
            ):
                continue
            found.append((operation["operationId"], method, path))
    return sorted(found)


OPERATIONS = runner_operations()


@pytest.fixture
def victim(client, token, other_runner) -> dict[str, Any]:
    """Runner B with one of everything."""
    b = token(runner=other_runner)
    base = f"/api/v1/users/{other_runner}"
    run = client.post(
        f"{base}/runs/import?filename=loop.gpx",
        data=GPX,
        content_type="application/octet-stream",
        headers=b,
    ).json
    race = client.post(
        f"{base}/races",
        json={"name": "B's race", "date": "2031-06-01", "distance": 10000},
        headers=b,
    ).json
    plan = client.post(f"{base}/races/{race['id']}/plan", json={}, headers=b)
    client.put(
        f"{base}/strava",
        json={**BODIES["putStravaLink"], "athlete_id": 4242},
        headers=token(runner=other_runner, client="runnerly-web"),
    )
    set_aside = client.post(
        f"{base}/runs/batch",
        json={
            "runs": [],
            "set_aside": [{"source": "strava", "external_id": "b1", "reason": "B's"}],
        },
        headers=token(client="strava-worker", scope="runs:write"),
    )
    export = client.post(f"{base}/exports", headers=b)
    assert plan.status_code == 201, plan.json
    assert set_aside.json["set_aside"] == 1, set_aside.json
    assert export.status_code == 201, export.json
    link = client.post(f"{base}/share-links", json={"run_id": run["id"]}, headers=b)
    zone = client.post(f"{base}/privacy-zones", json=BODIES["createPrivacyZone"], headers=b)
    assert link.status_code == 201 and zone.status_code == 201, (link.json, zone.json)
    shoes = client.post(f"{base}/gear", json={"name": "B's shoes", "is_default": True}, headers=b)
    assert shoes.status_code == 201, shoes.json
    return {
        "gear_id": shoes.json["id"],
        "link_id": link.json["id"],
        "zone_id": zone.json["id"],
        "export_id": export.json["id"],
        "user_id": other_runner,
        "runner_id": other_runner,
        "run_id": run["id"],
        "race_id": race["id"],
        "plan_id": plan.json["id"],
        "session_id": plan.json["weeks"][0]["sessions"][0]["id"],
        "monday": plan.json["start_date"],
    }


def _request(client, method, path, ids, headers, operation_id):
    url = "/api/v1" + path.format(**FILLS, **ids)
    body = BODIES.get(operation_id)
    if operation_id == "createPlan":
        body = {**body, "race_id": ids["race_id"], "start_date": ids["monday"]}
    if operation_id == "createShareLink":
        body = {"run_id": ids["run_id"]}
    if operation_id == "putExportChunk":
        return client.put(url, data=body, content_type="application/octet-stream", headers=headers)
    if operation_id == "importRunFile":
        return client.post(
            url + "?filename=mine.gpx",
            data=GPX,
            content_type="application/octet-stream",
            headers=headers,
        )
    return client.open(url, method=method.upper(), json=body, headers=headers)


class TestOneRunnerCannotTouchAnother:
    def test_every_operation_with_a_body_is_covered(self) -> None:
        needs_body = {
            op for op, method, path in OPERATIONS if "requestBody" in SPEC["paths"][path][method]
        }
        assert needs_body - set(BODIES) - {"importRunFile"} == set()

    @pytest.mark.parametrize(
        ("operation_id", "method", "path"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
    )
    def test_another_runners_path_is_404_and_nothing_changes(
        self, client, token, runner, victim, snapshot, operation_id, method, path
    ):
        before = snapshot()
        response = _request(client, method, path, victim, token(runner=runner), operation_id)
        assert response.status_code == 404, response.json
        assert response.json["code"] == "not_found"
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("operation_id", "method", "path"),
        [
            o
            for o in OPERATIONS
            if any(k in o[2] for k in ("{run_id}", "{race_id}", "{plan_id}", "{gear_id}"))
        ],
        ids=lambda o: o if isinstance(o, str) else None,
    )
    def test_another_runners_ids_under_ones_own_path_are_404_and_nothing_changes(
        self, client, token, runner, victim, snapshot, operation_id, method, path
    ):
        before = snapshot()
        ids = {**victim, "user_id": runner, "runner_id": runner}
        response = _request(client, method, path, ids, token(runner=runner), operation_id)
        assert response.status_code == 404, response.json
        assert snapshot() == before
