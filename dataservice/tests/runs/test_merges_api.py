"""One activity is one run: a file of a run Strava imported, two files of one run, a Strava
run arriving after its file are merged (at import, at sync, by the one-off command); the
runner splits a wrong merge and merges by hand.  What a runner notices: the month's list
and totals hold the run once, its page says where it was merged from."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dataservice.cli import main as dataservice_cli
from dataservice.runs.models import BestEffort, Run

EARTH_RADIUS_M = 6_371_008.8
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
WORKER = {"client": "strava-worker", "scope": "runs:write"}


def watch_gpx(start: datetime, metres: float, seconds: float, hr: int = 150) -> bytes:
    """A watch's GPX: due north at an even pace, a point (with heart rate) every 10 s."""
    steps = round(seconds / 10)
    rows = "".join(
        f'<trkpt lat="{45 + math.degrees(metres * i / steps / EARTH_RADIUS_M):.9f}" lon="7.0">'
        f"<time>{(start + timedelta(seconds=seconds * i / steps)):%Y-%m-%dT%H:%M:%SZ}</time>"
        f"<extensions><hr>{hr}</hr></extensions></trkpt>"
        for i in range(steps + 1)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="watch" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Morning Run</name>'
        f"<type>running</type><trkseg>{rows}</trkseg></trk></gpx>"
    ).encode()


# A 10 km run as Strava has it (no HR, no track) and as the watch recorded it.
STRAVA_RUN = {
    "source": "strava",
    "external_id": "9001",
    "title": "Morning Run",
    "start_time": "2026-03-02T07:00:00Z",
    "distance": 10000.0,
    "moving_time": 3000,
    "elapsed_time": 3060,
    "sport_type": "Run",
}
WATCH = watch_gpx(START + timedelta(seconds=5), 10_020, 3050)


@pytest.fixture
def api(client, token, runner):
    class Api:
        def upload(self, content: bytes, filename: str = "watch.gpx"):
            return client.post(
                f"/api/v1/users/{runner}/runs/import?filename={filename}",
                data=content,
                content_type="application/octet-stream",
                headers=token(runner=runner),
            )

        def sync(self, *runs, deleted=()):
            body = {"runs": list(runs), "deleted": list(deleted)}
            response = client.post(
                f"/api/v1/users/{runner}/runs/batch", json=body, headers=token(**WORKER)
            )
            assert response.status_code == 200, response.json
            return response.json

        def get(self, path: str):
            response = client.get(f"/api/v1/users/{runner}{path}", headers=token(runner=runner))
            assert response.status_code == 200, response.json
            return response.json

        def post(self, path: str, body=None):
            return client.post(
                f"/api/v1/users/{runner}{path}", json=body, headers=token(runner=runner)
            )

        def month(self):
            response = client.get(f"/api/v1/runs/{runner}/2026/3", headers=token(runner=runner))
            assert response.status_code == 200, response.json
            return response.json

        def totals(self):
            return self.get("/stats/summary?date=2026-03-02")["all_time"]

        def record(self, distance: int):
            found = self.get("/stats/records")["best_efforts"]
            return next(r["best"] for r in found if r["distance"] == distance)

    return Api()


class TestMergedAtImport:
    def test_the_watch_file_of_a_run_strava_imported_is_one_run_and_totals_do_not_change(self, api):
        api.sync(STRAVA_RUN)
        before = api.totals()
        uploaded = api.upload(WATCH)
        assert uploaded.status_code == 201, uploaded.json
        month = api.month()
        assert month["count"] == 1
        assert month["distance"] == 10000.0
        kept = month["items"][0]
        assert kept["source"] == "strava"  # Strava's run keeps its id: later edits find it
        assert uploaded.json["merged_into"] == kept["id"]
        assert [(m["source"], m["file_type"]) for m in kept["merged_from"]] == [
            ("strava", None),
            ("file", "gpx"),
        ]
        assert api.totals() == before
        assert api.get("/runs")["total"] == 1

    def test_the_kept_run_shows_the_file_s_heart_rate_track_and_efforts(self, api, db):
        api.sync(STRAVA_RUN)
        file_run = api.upload(WATCH).json
        kept = api.month()["items"][0]
        assert kept["average_hr"] == pytest.approx(150)
        track = api.get(f"/runs/{kept['id']}/track")
        assert len(track["points"]) == 306
        efforts = db.execute(select(BestEffort.run_id, BestEffort.origin)).all()
        assert {run_id for run_id, _ in efforts} == {kept["id"]}  # the file's run holds none
        assert {origin for _, origin in efforts} <= {"track", "pace"}
        assert api.record(5000)["run_id"] == kept["id"]
        assert file_run["id"] != kept["id"]

    def test_two_files_of_one_run_are_one_run(self, api):
        first = api.upload(WATCH).json
        phone = watch_gpx(START, 9_800, 3070, hr=140)
        second = api.upload(phone, filename="phone.gpx")
        assert second.status_code == 201
        month = api.month()
        assert [r["id"] for r in month["items"]] == [first["id"]]
        assert month["items"][0]["merged_from"][1]["id"] == second.json["id"]
        assert api.totals()["count"] == 1

    def test_two_runs_of_one_day_that_touch_stay_two(self, api):
        api.sync(STRAVA_RUN)
        after = watch_gpx(START + timedelta(seconds=3060), 10_000, 3050)
        assert api.upload(after).json["merged_into"] is None
        assert api.month()["count"] == 2


class TestMergedAtSync:
    def test_a_strava_run_arriving_after_its_file_is_merged_and_kept(self, api):
        file_run = api.upload(WATCH).json
        result = api.sync(STRAVA_RUN)
        assert result["created"] == 1
        month = api.month()
        assert month["count"] == 1
        kept = month["items"][0]
        assert kept["source"] == "strava"
        assert [m["id"] for m in kept["merged_from"]][1:] == [file_run["id"]]
        assert api.get(f"/runs/{file_run['id']}")["merged_into"] == kept["id"]
        assert api.record(10000)["run_id"] == kept["id"]

    def test_strava_sending_the_run_again_keeps_the_merge(self, api, db):
        api.upload(WATCH)
        api.sync(STRAVA_RUN)
        api.sync({**STRAVA_RUN, "title": "Renamed on Strava"})
        month = api.month()
        assert [r["title"] for r in month["items"]] == ["Renamed on Strava"]
        assert len(month["items"][0]["merged_from"]) == 2
        origins = set(db.scalars(select(BestEffort.origin)))
        assert origins <= {"track", "pace"}  # still from the file's track, not Strava's guess
        assert len(set(db.scalars(select(BestEffort.run_id)))) == 1

    def test_a_runner_s_edit_of_the_kept_run_keeps_the_file_s_efforts(
        self, api, client, token, runner, db
    ):
        api.sync(STRAVA_RUN)
        kept_id = api.upload(WATCH).json["merged_into"]
        edited = client.patch(
            f"/api/v1/users/{runner}/runs/{kept_id}",
            json={"title": "Easy ten"},
            headers=token(runner=runner),
        )
        assert edited.status_code == 200, edited.json
        assert set(db.scalars(select(BestEffort.origin))) <= {"track", "pace"}
        assert api.record(1000)["run_id"] == kept_id

    def test_a_run_deleted_on_strava_gives_its_file_back_as_a_counted_run(self, api):
        file_run = api.upload(WATCH).json
        api.sync(STRAVA_RUN)
        api.sync(deleted=[{"source": "strava", "external_id": "9001"}])
        month = api.month()
        assert [r["id"] for r in month["items"]] == [file_run["id"]]
        assert month["items"][0]["merged_into"] is None
        assert api.totals()["distance"] == pytest.approx(10020, abs=20)
        assert api.record(5000)["run_id"] == file_run["id"]


class TestSplitAndMergeByHand:
    def test_a_split_run_counts_again_and_is_not_merged_again(self, api):
        api.sync(STRAVA_RUN)
        file_run = api.upload(WATCH).json
        kept_id = file_run["merged_into"]
        split = api.post(f"/runs/{kept_id}/split")
        assert split.status_code == 200, split.json
        assert [r["id"] for r in split.json["items"]] == [kept_id, file_run["id"]]
        assert api.month()["count"] == 2
        assert api.totals()["count"] == 2
        assert api.record(10000)["run_id"] in (kept_id, file_run["id"])
        api.sync({**STRAVA_RUN, "title": "Edited on Strava"})  # the rule would merge them
        assert api.month()["count"] == 2

    def test_splitting_a_run_that_is_not_merged_is_409_naming_the_run(self, api, snapshot):
        api.sync(STRAVA_RUN)
        run_id = api.month()["items"][0]["id"]
        before = snapshot()
        response = api.post(f"/runs/{run_id}/split")
        assert response.status_code == 409
        assert response.json["errors"][0]["field"] == "path.run_id"
        assert snapshot() == before

    def test_two_runs_the_rule_keeps_apart_can_be_merged_by_hand(self, api):
        api.sync(STRAVA_RUN)
        late = api.upload(watch_gpx(START + timedelta(hours=2), 6000, 1800)).json
        strava_id = api.month()["items"][0]["id"]
        merged = api.post(f"/runs/{late['id']}/merge", {"run_id": strava_id})
        assert merged.status_code == 200, merged.json
        assert merged.json["id"] == strava_id
        assert api.month()["count"] == 1
        assert api.totals()["distance"] == 10000.0

    def test_a_split_pair_can_be_merged_again_by_hand(self, api):
        api.sync(STRAVA_RUN)
        file_run = api.upload(WATCH).json
        api.post(f"/runs/{file_run['id']}/split")
        again = api.post(f"/runs/{file_run['id']}/merge", {"run_id": file_run["merged_into"]})
        assert again.status_code == 200
        assert api.month()["count"] == 1

    @pytest.mark.parametrize("whose", ["itself", "another runner's", "no one's"])
    def test_merging_with_itself_or_a_run_not_the_runner_s_is_422_naming_run_id(
        self, api, client, token, other_runner, snapshot, whose
    ):
        mine = api.upload(WATCH).json["id"]
        theirs = client.post(
            f"/api/v1/users/{other_runner}/runs",
            json={"start_time": "2026-03-02T07:00:00Z", "distance": 10000, "moving_time": 3000,
                  "elapsed_time": 3050},
            headers=token(runner=other_runner),
        ).json["id"]  # fmt: skip
        other = {"itself": mine, "another runner's": theirs, "no one's": 10**9}[whose]
        before = snapshot()
        response = api.post(f"/runs/{mine}/merge", {"run_id": other})
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] == "body.run_id"
        assert snapshot() == before

    def test_a_runner_deleting_the_kept_run_keeps_the_file_s_run(self, api, client, token, runner):
        api.sync(STRAVA_RUN)
        file_run = api.upload(WATCH).json
        client.delete(
            f"/api/v1/users/{runner}/runs/{file_run['merged_into']}", headers=token(runner=runner)
        )
        month = api.month()
        assert [r["id"] for r in month["items"]] == [file_run["id"]]
        assert api.record(5000)["run_id"] == file_run["id"]


class TestMergeDuplicatesCommand:
    def _store_twice(self, api, db, runner):
        """A Strava run and its file stored before runs were merged."""
        api.sync(STRAVA_RUN)
        file_id = api.upload(WATCH).json["id"]
        db.execute(Run.__table__.update().values(merged_into=None))
        db.commit()
        return file_id

    def test_existing_duplicates_are_merged_by_the_command(self, api, db, runner, database_url):
        file_id = self._store_twice(api, db, runner)
        assert api.month()["count"] == 2
        env = {"DATASERVICE_DATABASE_URL": database_url}
        dry = CliRunner().invoke(dataservice_cli, ["merge-duplicates", "--dry-run"], env=env)
        assert dry.exit_code == 0, dry.output
        assert '"absorbed": 1' in dry.output
        assert api.month()["count"] == 2
        done = CliRunner().invoke(
            dataservice_cli, ["merge-duplicates", "--user", str(runner)], env=env
        )
        assert done.exit_code == 0, done.output
        month = api.month()
        assert month["count"] == 1
        assert month["items"][0]["merged_from"][1]["id"] == file_id
        again = CliRunner().invoke(dataservice_cli, ["merge-duplicates"], env=env)
        assert '"groups": 0' in again.output.splitlines()[-1]
