"""POST /users/{id}/runs/import: a file becomes a run, and a bad file changes nothing."""

from __future__ import annotations

import pytest

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="watch" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Lunch loop</name><type>running</type><trkseg>
<trkpt lat="48.0000" lon="2.0000"><ele>10</ele><time>2026-03-02T12:00:00Z</time></trkpt>
<trkpt lat="48.0045" lon="2.0000"><ele>15</ele><time>2026-03-02T12:02:30Z</time></trkpt>
<trkpt lat="48.0090" lon="2.0000"><ele>20</ele><time>2026-03-02T12:05:00Z</time></trkpt>
<trkpt lat="48.0135" lon="2.0000"><ele>25</ele><time>2026-03-02T12:07:30Z</time></trkpt>
</trkseg></trk></gpx>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>&secret;</name><trkseg>
<trkpt lat="48.0" lon="2.0"><time>2026-03-02T12:00:00Z</time></trkpt>
<trkpt lat="48.01" lon="2.0"><time>2026-03-02T12:05:00Z</time></trkpt>
</trkseg></trk></gpx>"""


def _upload(client, token, runner, content, filename="run.gpx"):
    return client.post(
        f"/api/v1/users/{runner}/runs/import?filename={filename}",
        data=content,
        content_type="application/octet-stream",
        headers=token(runner=runner),
    )


class TestImport:
    def test_a_gpx_becomes_a_run_with_its_measures_and_track(self, client, token, runner):
        response = _upload(client, token, runner, GPX)
        assert response.status_code == 201, response.json
        run = response.json
        assert run["source"] == "file"
        assert run["title"] == "Lunch loop"
        assert run["start_time"].startswith("2026-03-02T12:00:00")
        assert run["distance"] == pytest.approx(1501, abs=5)  # 0.0135° of latitude
        assert run["elapsed_time"] == 450
        assert run["elevation_gain"] == pytest.approx(15, abs=1)
        track = client.get(
            f"/api/v1/users/{runner}/runs/{run['id']}/track", headers=token(runner=runner)
        )
        assert len(track.json["points"]) == 4
        assert track.json["original_filename"] == "run.gpx"
        month = client.get(f"/api/v1/runs/{runner}/2026/3", headers=token(runner=runner))
        assert [r["id"] for r in month.json["items"]] == [run["id"]]

    def test_the_same_file_twice_is_the_same_run(self, client, token, runner, snapshot):
        first = _upload(client, token, runner, GPX)
        before = snapshot()
        again = _upload(client, token, runner, GPX, filename="copy.gpx")
        assert again.status_code == 200
        assert again.json["id"] == first.json["id"]
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            (GPX[:200], "GPX"),
            (XXE, "entit"),
            (b"", "body"),
            (b"MZ\x90\x00 not an activity", "not a GPX, TCX or FIT file"),
        ],
        ids=["truncated", "xxe", "empty", "binary"],
    )
    def test_a_file_that_cannot_be_read_is_4xx_naming_the_problem_and_nothing_is_stored(
        self, client, token, runner, snapshot, content, problem
    ):
        before = snapshot()
        response = _upload(client, token, runner, content)
        assert response.status_code in (400, 422), response.json
        assert response.json["errors"][0]["field"] == "body"
        assert problem.lower() in response.json["message"].lower()
        assert "root:" not in response.get_data(as_text=True)  # nothing of /etc/passwd
        assert snapshot() == before

    def test_a_file_name_that_is_not_an_activity_is_400(self, client, token, runner):
        response = _upload(client, token, runner, GPX, filename="run.exe")
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "query.filename"
