"""GET /users/{id}/runs/{run_id}/file: an imported run's original file, byte for byte."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

from dataservice.runs.models import RunFile

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="watch" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Lunch loop</name><type>running</type><trkseg>
<trkpt lat="48.0000" lon="2.0000"><ele>10</ele><time>2026-03-02T12:00:00Z</time></trkpt>
<trkpt lat="48.0045" lon="2.0000"><ele>15</ele><time>2026-03-02T12:02:30Z</time></trkpt>
<trkpt lat="48.0090" lon="2.0000"><ele>20</ele><time>2026-03-02T12:05:00Z</time></trkpt>
<trkpt lat="48.0135" lon="2.0000"><ele>25</ele><time>2026-03-02T12:07:30Z</time></trkpt>
</trkseg></trk></gpx>"""
TCX = b"""<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Running"><Id>2026-03-05T06:00:00Z</Id>
<Lap StartTime="2026-03-05T06:00:00Z"><Track>
<Trackpoint><Time>2026-03-05T06:00:00Z</Time><DistanceMeters>0</DistanceMeters></Trackpoint>
<Trackpoint><Time>2026-03-05T06:05:00Z</Time><DistanceMeters>1000</DistanceMeters></Trackpoint>
<Trackpoint><Time>2026-03-05T06:10:00Z</Time><DistanceMeters>2000</DistanceMeters></Trackpoint>
</Track></Lap></Activity></Activities></TrainingCenterDatabase>"""


def _upload(client, token, runner, content, filename="run.gpx"):
    response = client.post(
        f"/api/v1/users/{runner}/runs/import",
        query_string={"filename": filename},
        data=content,
        content_type="application/octet-stream",
        headers=token(runner=runner),
    )
    assert response.status_code in (200, 201), response.json
    return response.json


def _file(client, token, runner, run_id, caller=None):
    return client.get(
        f"/api/v1/users/{runner}/runs/{run_id}/file",
        headers=token(runner=runner if caller is None else caller),
    )


def _file_rows(db) -> int:
    return db.scalar(select(func.count()).select_from(RunFile))


class TestGetRunFile:
    def test_an_imported_gpx_comes_back_byte_for_byte_as_an_attachment(self, client, token, runner):
        run = _upload(client, token, runner, GPX, filename="Lunch loop.gpx")
        response = _file(client, token, runner, run["id"])
        assert response.status_code == 200
        assert response.get_data() == GPX
        assert response.mimetype == "application/gpx+xml"
        assert response.headers["Content-Disposition"] == 'attachment; filename="Lunch_loop.gpx"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize(
        ("content", "filename", "media_type"),
        [
            (TCX, "morning.tcx", "application/vnd.garmin.tcx+xml"),
            (gzip.compress(GPX), "export.gpx", "application/gzip"),
        ],
        ids=["tcx", "gzipped-gpx"],
    )
    def test_each_format_comes_back_with_its_media_type(
        self, client, token, runner, content, filename, media_type
    ):
        run = _upload(client, token, runner, content, filename=filename)
        response = _file(client, token, runner, run["id"])
        assert response.get_data() == content
        assert response.mimetype == media_type

    def test_a_file_name_with_a_path_or_quotes_is_reduced_to_a_safe_name(
        self, client, token, runner
    ):
        run = _upload(client, token, runner, GPX, filename='C:\\tmp\\a"b\r\nX-Evil: 1;.gpx')
        response = _file(client, token, runner, run["id"])
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition == 'attachment; filename="a_b_X-Evil_1_.gpx"'
        assert "X-Evil" not in response.headers

    def test_the_same_file_imported_twice_is_kept_once(self, client, token, runner, db):
        first = _upload(client, token, runner, GPX, filename="run.gpx")
        again = _upload(client, token, runner, GPX, filename="copy.gpx")
        assert again["id"] == first["id"]
        assert _file_rows(db) == 1
        response = _file(client, token, runner, first["id"])
        assert response.headers["Content-Disposition"] == 'attachment; filename="run.gpx"'

    def test_xml_is_stored_compressed_and_described_by_the_original(
        self, client, token, runner, db
    ):
        run = _upload(client, token, runner, GPX)
        row = db.get(RunFile, run["id"])
        assert row.encoding == "gzip"
        assert len(row.content) < len(GPX)
        assert row.size == len(GPX)
        assert gzip.decompress(row.content) == GPX

    def test_a_run_without_a_file_is_404_json(self, client, token, runner, run_body):
        manual = client.post(
            f"/api/v1/users/{runner}/runs", json=run_body, headers=token(runner=runner)
        ).json
        response = _file(client, token, runner, manual["id"])
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
        assert "original file" in response.json["message"]

    def test_another_runners_file_is_404_as_if_it_did_not_exist(
        self, client, token, runner, other_runner
    ):
        run = _upload(client, token, runner, GPX)
        response = _file(client, token, runner, run["id"], caller=other_runner)
        assert response.status_code == 404
        assert GPX not in response.get_data()
        # Their own id with the other's run: the run is not theirs.
        response = _file(client, token, other_runner, run["id"])
        assert response.status_code == 404

    def test_reading_the_file_needs_the_runs_read_scope(self, client, token, runner):
        run = _upload(client, token, runner, GPX)
        response = client.get(
            f"/api/v1/users/{runner}/runs/{run['id']}/file",
            headers=token(runner=runner, scope="users:read"),
        )
        assert response.status_code == 403

    def test_deleting_the_run_deletes_its_file(self, client, token, runner, db):
        run = _upload(client, token, runner, GPX)
        deleted = client.delete(
            f"/api/v1/users/{runner}/runs/{run['id']}", headers=token(runner=runner)
        )
        assert deleted.status_code == 204
        assert _file_rows(db) == 0
        assert _file(client, token, runner, run["id"]).status_code == 404

    def test_a_rejected_import_keeps_no_file(self, client, token, runner, db):
        response = client.post(
            f"/api/v1/users/{runner}/runs/import?filename=run.gpx",
            data=GPX[:200],
            content_type="application/octet-stream",
            headers=token(runner=runner),
        )
        assert response.status_code == 422
        assert _file_rows(db) == 0
