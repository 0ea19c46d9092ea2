"""A runner's export: started by the runner, built by the worker's client (content, files,
progress, chunks), downloaded by the runner alone, expired with nothing left behind."""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dataservice.exports.models import Export, ExportChunk
from dataservice.imports import xmlsafe
from runnerly_common.db import utcnow
from runnerly_common.export_zip import FORMAT, ExportZip

WORKER = {"client": "strava-worker", "scope": "runs:read runs:write users:read"}
START = "2026-03-01T07:30:00Z"


def loop_streams(points: int = 300) -> dict[str, Any]:
    """A run north at 3 m/s, a point every 10 s, its distance as the positions give it."""
    lat0, lon0, step = 48.8, 2.35, 30.0 / 111_195.0  # 30 m of latitude
    latlng = [[round(lat0 + i * step, 6), lon0] for i in range(points)]
    distance = [0.0]
    for (a, b), (c, d) in itertools.pairwise(latlng):
        distance.append(distance[-1] + _haversine(a, b, c, d))
    return {
        "time": [i * 10 for i in range(points)],
        "distance": [round(x, 1) for x in distance],
        "latlng": latlng,
        "altitude": [100.0 + i % 10 for i in range(points)],
        "heartrate": [140 + i % 20 for i in range(points)],
        "cadence": [85] * points,
    }


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@pytest.fixture
def strava_run_with_streams(client, token, strava_run):
    def make(runner: int, external_id: str = "777", streams: dict[str, Any] | None = None) -> int:
        streams = streams or loop_streams()
        body = strava_run(
            external_id,
            start_time=START,
            distance=streams["distance"][-1],
            moving_time=streams["time"][-1],
            elapsed_time=streams["time"][-1],
            title="Along the <river> & back",
        )
        answer = client.post(
            f"/api/v1/users/{runner}/runs/batch", json={"runs": [body]}, headers=token(**WORKER)
        )
        assert answer.status_code == 200, answer.json
        answer = client.put(
            f"/api/v1/users/{runner}/strava/streams/{external_id}",
            json={"streams": streams},
            headers=token(**WORKER),
        )
        assert answer.status_code == 200, answer.json
        return int(answer.json["run_id"])

    return make


def start(client, token, runner: int) -> Any:
    return client.post(f"/api/v1/users/{runner}/exports", headers=token(runner=runner))


def build(client, token, runner: int, export_id: int, chunk: int = 1000) -> bytes:
    """What the worker does, through the API: the zip of the content, in chunks."""
    base = f"/api/v1/users/{runner}/exports/{export_id}"
    content = client.get(f"{base}/content", headers=token(**WORKER))
    assert content.status_code == 200, content.json
    files = content.json["files"]
    answer = client.patch(
        base, json={"state": "building", "done": 0, "total": len(files)}, headers=token(**WORKER)
    )
    assert answer.status_code == 200, answer.json
    raw = io.BytesIO()
    with ExportZip(raw) as zf:
        for done, item in enumerate(files, 1):
            found = client.get(f"{base}/files/{item['run_id']}", headers=token(**WORKER))
            assert found.status_code == 200, found.json
            zf.add(item["name"], found.data)
            client.patch(
                base,
                json={"state": "building", "done": done, "total": len(files)},
                headers=token(**WORKER),
            )
        zf.finish(content.json["document"])
    data = raw.getvalue()
    for seq, at in enumerate(range(0, len(data), chunk)):
        put = client.put(
            f"{base}/chunks/{seq}",
            data=data[at : at + chunk],
            headers={**token(**WORKER), "Content-Type": "application/octet-stream"},
        )
        assert put.status_code == 204, put.json
    return data


def ready(client, token, runner: int, export_id: int, data: bytes) -> Any:
    return client.patch(
        f"/api/v1/users/{runner}/exports/{export_id}",
        json={"state": "ready", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
        headers=token(**WORKER),
    )


class TestStravaGPX:
    def test_a_strava_runs_gpx_reads_back_to_the_same_distance_and_time(
        self, client, token, runner, other_runner, strava_run_with_streams
    ):
        streams = loop_streams()
        run_id = strava_run_with_streams(runner, streams=streams)
        export_id = start(client, token, runner).json["id"]
        answer = client.get(
            f"/api/v1/users/{runner}/exports/{export_id}/files/{run_id}", headers=token(**WORKER)
        )
        assert answer.status_code == 200 and answer.mimetype == "application/gpx+xml"
        gpx = answer.data
        assert b'<gpx version="1.1"' in gpx and b"<gpxtpx:hr>140</gpxtpx:hr>" in gpx
        assert b"<gpxtpx:cad>85</gpxtpx:cad>" in gpx
        assert b"Along the &lt;river&gt; &amp; back" in gpx
        # GPX 1.1's order within a point (wptType: ele, time, ..., extensions), in its namespace.
        root = xmlsafe.parse(gpx, "GPX")
        assert root.tag == "{http://www.topografix.com/GPX/1/1}gpx" and root.get("version") == "1.1"
        points = root.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
        assert len(points) == len(streams["time"])
        order = [xmlsafe.local_name(child.tag) for child in points[0]]
        assert order == ["ele", "time", "extensions"]
        # The dataservice's own GPX importer reads it back as the same run.
        imported = client.post(
            f"/api/v1/users/{other_runner}/runs/import?filename=strava-777.gpx",
            data=gpx,
            headers={**token(runner=other_runner), "Content-Type": "application/octet-stream"},
        )
        assert imported.status_code == 201, imported.json
        run = imported.json
        assert run["start_time"].startswith("2026-03-01T07:30:00")
        assert run["elapsed_time"] == streams["time"][-1]
        assert run["distance"] == pytest.approx(streams["distance"][-1], rel=0.005)
        assert run["average_hr"] == pytest.approx(
            sum(streams["heartrate"]) / len(streams["heartrate"]), abs=0.6
        )
        assert run["title"] == "Along the <river> & back"

    def test_a_strava_run_without_positions_has_no_file(
        self, client, token, runner, strava_run_with_streams
    ):
        treadmill = {k: v for k, v in loop_streams().items() if k != "latlng"}
        run_id = strava_run_with_streams(runner, "888", treadmill)
        export_id = start(client, token, runner).json["id"]
        base = f"/api/v1/users/{runner}/exports/{export_id}"
        assert client.get(f"{base}/files/{run_id}", headers=token(**WORKER)).status_code == 404
        assert client.get(f"{base}/content", headers=token(**WORKER)).json["files"] == []


class TestExport:
    def test_started_built_with_progress_and_downloaded(
        self, client, token, runner, strava_run_with_streams, run_body
    ):
        run_id = strava_run_with_streams(runner)
        client.post(f"/api/v1/users/{runner}/runs", json=run_body, headers=token(runner=runner))
        first = start(client, token, runner)
        assert first.status_code == 201, first.json
        assert first.json["state"] == "queued"
        again = start(client, token, runner)  # while it is on its way: the same one
        assert (again.status_code, again.json["id"]) == (200, first.json["id"])
        export_id = first.json["id"]
        data = build(client, token, runner, export_id)
        shown = client.get(
            f"/api/v1/users/{runner}/exports/{export_id}", headers=token(runner=runner)
        ).json
        assert (shown["state"], shown["done"], shown["total"]) == ("building", 1, 1)

        wrong = client.patch(
            f"/api/v1/users/{runner}/exports/{export_id}",
            json={"state": "ready", "size": len(data), "sha256": "0" * 64},
            headers=token(**WORKER),
        )
        assert wrong.status_code == 409 and wrong.json["errors"][0]["field"] == "body.sha256"
        done = ready(client, token, runner, export_id, data)
        assert done.status_code == 200, done.json
        assert done.json["state"] == "ready" and done.json["size"] == len(data)
        assert done.json["expires_at"] > done.json["finished_at"]

        zip_answer = client.get(
            f"/api/v1/users/{runner}/exports/{export_id}/zip", headers=token(runner=runner)
        )
        assert zip_answer.status_code == 200
        assert zip_answer.headers["Content-Disposition"].startswith(
            'attachment; filename="runnerly-export-'
        )
        assert zip_answer.data == data
        with zipfile.ZipFile(io.BytesIO(zip_answer.data)) as zf:
            document = zf.read("runner.json")
            names = zf.namelist()
        assert f"files/{run_id}-strava-777.gpx" in names
        runs = {run["id"]: run for run in __import__("json").loads(document)["runs"]}
        assert runs[run_id]["file"] == f"files/{run_id}-strava-777.gpx"
        assert [run["file"] for run in runs.values() if run["source"] == "manual"] == [None]
        assert b'"format": "' + FORMAT.encode() + b'"' in document

    def test_a_new_export_after_a_ready_one_replaces_it_and_its_bytes(
        self, client, token, runner, db
    ):
        export_id = start(client, token, runner).json["id"]
        assert ready(client, token, runner, export_id, build(client, token, runner, export_id))
        again = start(client, token, runner)
        assert (again.status_code, again.json["state"], again.json["size"]) == (201, "queued", None)
        assert db.scalar(select(func.count()).select_from(ExportChunk)) == 0
        assert db.scalar(select(func.count()).select_from(Export)) == 1

    def test_the_download_waits_until_ready(self, client, token, runner):
        export_id = start(client, token, runner).json["id"]
        answer = client.get(
            f"/api/v1/users/{runner}/exports/{export_id}/zip", headers=token(runner=runner)
        )
        assert answer.status_code == 409 and "queued" in answer.json["message"]

    def test_a_ready_export_is_not_built_again(self, client, token, runner):
        export_id = start(client, token, runner).json["id"]
        ready(client, token, runner, export_id, build(client, token, runner, export_id))
        answer = client.patch(
            f"/api/v1/users/{runner}/exports/{export_id}",
            json={"state": "building", "done": 0},
            headers=token(**WORKER),
        )
        assert answer.status_code == 409

    def test_missing_chunks_are_named(self, client, token, runner):
        export_id = start(client, token, runner).json["id"]
        data = build(client, token, runner, export_id, chunk=100)
        client.put(  # chunk 0 again, but 1 is the same: nothing missing yet; drop one
            f"/api/v1/users/{runner}/exports/{export_id}/chunks/0",
            data=data[:100],
            headers={**token(**WORKER), "Content-Type": "application/octet-stream"},
        )
        short = client.patch(
            f"/api/v1/users/{runner}/exports/{export_id}",
            json={"state": "ready", "size": len(data) + 5, "sha256": "a" * 64},
            headers=token(**WORKER),
        )
        assert short.status_code == 409 and short.json["errors"][0]["field"] == "body.size"


class TestWhoMay:
    def test_another_runners_export_is_not_found(self, client, token, runner, other_runner):
        export_id = start(client, token, runner).json["id"]
        for path in ("", "/zip"):
            answer = client.get(
                f"/api/v1/users/{other_runner}/exports/{export_id}{path}",
                headers=token(runner=other_runner),
            )
            assert answer.status_code == 404, path
            answer = client.get(
                f"/api/v1/users/{runner}/exports/{export_id}{path}",
                headers=token(runner=other_runner),
            )
            assert answer.status_code == 404, path

    def test_only_the_worker_builds(self, client, token, runner):
        export_id = start(client, token, runner).json["id"]
        base = f"/api/v1/users/{runner}/exports/{export_id}"
        assert client.get(f"{base}/content", headers=token(runner=runner)).status_code == 403
        answer = client.patch(base, json={"state": "failed"}, headers=token(runner=runner))
        assert answer.status_code == 403
        answer = client.put(
            f"{base}/chunks/0",
            data=b"PK",
            headers={**token(runner=runner), "Content-Type": "application/octet-stream"},
        )
        assert answer.status_code == 403


class TestExpiry:
    def test_an_expired_export_is_refused_then_deleted_with_its_bytes(
        self, client, token, runner, db, app
    ):
        export_id = start(client, token, runner).json["id"]
        ready(client, token, runner, export_id, build(client, token, runner, export_id))
        with app.extensions["runnerly.db"].transaction() as session:
            session.execute(update(Export).values(expires_at=utcnow() - timedelta(seconds=1)))
        shown = client.get(f"/api/v1/users/{runner}/exports", headers=token(runner=runner)).json
        assert shown["items"][0]["state"] == "expired"
        gone = client.get(
            f"/api/v1/users/{runner}/exports/{export_id}/zip", headers=token(runner=runner)
        )
        assert gone.status_code == 410
        answer = client.post("/api/v1/exports/expire", headers=token(**WORKER))
        assert answer.json == {"deleted": 1, "failed": 0}
        assert db.scalar(select(func.count()).select_from(Export)) == 0
        assert db.scalar(select(func.count()).select_from(ExportChunk)) == 0
        assert client.get(f"/api/v1/users/{runner}/exports", headers=token(runner=runner)).json == {
            "items": []
        }

    def test_a_build_that_stopped_reporting_fails_and_may_start_again(
        self, client, token, runner, app
    ):
        start(client, token, runner).json["id"]
        with app.extensions["runnerly.db"].transaction() as session:
            session.execute(update(Export).values(updated_at=utcnow() - timedelta(hours=3)))
        answer = client.post("/api/v1/exports/expire", headers=token(**WORKER))
        assert answer.json == {"deleted": 0, "failed": 1}
        again = start(client, token, runner)
        assert (again.status_code, again.json["state"]) == (201, "queued")


class TestOperatorsExport:
    def test_the_admin_facade_gives_the_same_files_and_document_as_the_worker_reads(
        self, client, token, runner, app, strava_run_with_streams
    ):
        from dataservice import admin

        run_id = strava_run_with_streams(runner)
        export_id = start(client, token, runner).json["id"]
        base = f"/api/v1/users/{runner}/exports/{export_id}"
        content = client.get(f"{base}/content", headers=token(**WORKER)).json
        gpx = client.get(f"{base}/files/{run_id}", headers=token(**WORKER)).data
        with app.extensions["runnerly.db"].transaction() as session:
            files = list(admin.export_files(session, runner))
            document = admin.export_document(session, runner)
        assert files == [(f"files/{run_id}-strava-777.gpx", gpx)]
        assert [item["name"] for item in content["files"]] == [files[0][0]]
        assert document["runs"][0]["file"] == files[0][0]
        assert content["document"]["runs"] == document["runs"]
