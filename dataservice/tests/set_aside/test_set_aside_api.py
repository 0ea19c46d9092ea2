"""Set-aside activities: recorded with the batch of runs they came with, listed for the
runner, gone once the activity is stored or deleted as a run, or Strava is unlinked."""

from __future__ import annotations

from typing import Any

import pytest

from dataservice.set_aside.models import SetAsideActivity

TOO_LONG = {
    "source": "strava",
    "external_id": "9001",
    "reason": "elapsed_time 4204800 s is outside what Runnerly stores (0 to 2000000 s)",
    "start_time": "2026-03-02T06:00:00Z",
    "title": "Watch left running",
}
LINK = {
    "athlete_id": 777,
    "access_token": "access-abc",
    "refresh_token": "refresh-xyz",
    "expires_at": "2030-01-01T00:00:00Z",
}


@pytest.fixture
def send(client, token, runner):
    """``send(runs=[...], set_aside=[...], deleted=[...])``: the worker's batch."""

    def post(runs=(), user=None, **extra: Any):
        return client.post(
            f"/api/v1/users/{user or runner}/runs/batch",
            json={"runs": list(runs), **extra},
            headers=token(client="strava-worker", scope="runs:write"),
        )

    return post


@pytest.fixture
def listed(client, token, runner):
    """The runner's own view: ``listed()`` or ``listed(page=2, per_page=1)``."""

    def get(**query: Any) -> dict[str, Any]:
        response = client.get(
            f"/api/v1/users/{runner}/set-aside", query_string=query, headers=token(runner=runner)
        )
        assert response.status_code == 200, response.json
        return response.json

    return get


class TestRecording:
    def test_an_activity_set_aside_is_listed_with_its_reason_beside_the_runs_stored(
        self, send, listed, strava_run
    ):
        response = send([strava_run("1"), strava_run("2")], set_aside=[TOO_LONG])
        assert response.status_code == 200, response.json
        assert response.json == {
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "deleted": 0,
            "skipped": 0,
            "set_aside": 1,
        }
        page = listed()
        assert page["total"] == 1 and (page["page"], page["per_page"]) == (1, 50)
        (item,) = page["items"]
        seen_at = item.pop("seen_at")
        assert item == {
            "source": "strava",
            "external_id": "9001",
            "reason": TOO_LONG["reason"],
            "start_time": "2026-03-02T06:00:00+00:00",
            "title": "Watch left running",
        }
        assert seen_at.endswith("+00:00")

    def test_start_time_and_title_may_be_unknown(self, send, listed):
        bare = {"source": "strava", "external_id": "77", "reason": "no start date"}
        assert (
            send(set_aside=[bare, {**bare, "external_id": "78", "title": None}]).json["set_aside"]
            == 2
        )
        assert {(i["external_id"], i["start_time"], i["title"]) for i in listed()["items"]} == {
            ("77", None, None),
            ("78", None, None),
        }

    def test_the_same_activity_again_replaces_its_reason_and_stays_one_entry(
        self, send, listed, db
    ):
        send(set_aside=[TOO_LONG])
        first_seen = listed()["items"][0]["seen_at"]
        again = {**TOO_LONG, "reason": "distance 2e+06 m is outside what Runnerly stores"}
        assert send(set_aside=[TOO_LONG, again]).json["set_aside"] == 1  # the last copy wins
        (item,) = listed()["items"]
        assert item["reason"] == again["reason"]
        assert item["seen_at"] >= first_seen
        assert db.query(SetAsideActivity).count() == 1

    def test_newest_first_in_pages(self, send, listed):
        for external_id in ("1", "2", "3"):
            send(set_aside=[{**TOO_LONG, "external_id": external_id}])
        assert [i["external_id"] for i in listed()["items"]] == ["3", "2", "1"]
        second = listed(page=2, per_page=1)
        assert second["total"] == 3
        assert [i["external_id"] for i in second["items"]] == ["2"]


class TestLeavingTheList:
    def test_a_later_batch_storing_the_activity_takes_it_off_the_list(
        self, send, listed, strava_run, client, token, runner
    ):
        send(set_aside=[TOO_LONG, {**TOO_LONG, "external_id": "9002"}])
        fixed = strava_run("9001", elapsed_time=3600, moving_time=3500)
        response = send([fixed])
        assert response.json["created"] == 1 and response.json["set_aside"] == 0
        assert [i["external_id"] for i in listed()["items"]] == ["9002"]
        runs = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner)).json
        assert [r["external_id"] for r in runs["items"]] == ["9001"]

    def test_an_activity_deleted_on_strava_leaves_the_list(self, send, listed):
        send(set_aside=[TOO_LONG])
        response = send(deleted=[{"source": "strava", "external_id": "9001"}])
        assert response.status_code == 200
        assert listed()["total"] == 0

    def test_only_the_same_source_and_id_and_runner_are_cleared(
        self, send, listed, strava_run, other_runner
    ):
        send(set_aside=[TOO_LONG])
        send(set_aside=[TOO_LONG], user=other_runner)
        send([strava_run("9001")], user=other_runner)
        send([{**strava_run("9001"), "source": "file"}])
        assert [i["external_id"] for i in listed()["items"]] == ["9001"]

    def test_unlinking_strava_forgets_its_activities_and_keeps_the_others(
        self, send, listed, client, token, runner
    ):
        worker = token(client="strava-worker", scope="strava:tokens")
        client.put(f"/api/v1/users/{runner}/strava", json=LINK, headers=worker)
        send(set_aside=[TOO_LONG, {**TOO_LONG, "source": "file", "external_id": "f1"}])
        assert client.delete(f"/api/v1/users/{runner}/strava", headers=worker).status_code == 204
        assert [(i["source"], i["external_id"]) for i in listed()["items"]] == [("file", "f1")]

    def test_linking_another_athlete_forgets_the_first_ones_activities(
        self, send, listed, client, token, runner
    ):
        worker = token(client="strava-worker", scope="strava:tokens")
        client.put(f"/api/v1/users/{runner}/strava", json=LINK, headers=worker)
        send(set_aside=[TOO_LONG])
        client.put(
            f"/api/v1/users/{runner}/strava", json={**LINK, "athlete_id": 778}, headers=worker
        )
        assert listed()["total"] == 0

    def test_they_go_with_the_runner(self, send, client, token, runner, db):
        send(set_aside=[TOO_LONG])
        deleted = client.delete(
            f"/api/v1/users/{runner}", headers=token(client="runnerly-web", scope="users:write")
        )
        assert deleted.status_code == 204, deleted.json
        assert db.query(SetAsideActivity).count() == 0


class TestRefusals:
    @pytest.mark.parametrize(
        ("item", "field"),
        [
            ({**TOO_LONG, "reason": "x" * 301}, "body.set_aside[0].reason"),
            ({**TOO_LONG, "reason": ""}, "body.set_aside[0].reason"),
            ({k: v for k, v in TOO_LONG.items() if k != "reason"}, "body.set_aside[0].reason"),
            ({**TOO_LONG, "external_id": "12 34"}, "body.set_aside[0].external_id"),
            ({**TOO_LONG, "source": "garmin"}, "body.set_aside[0].source"),
            ({**TOO_LONG, "title": "t" * 256}, "body.set_aside[0].title"),
            ({**TOO_LONG, "start_time": "yesterday"}, "body.set_aside[0].start_time"),
            ({**TOO_LONG, "why": "extra"}, "body.set_aside[0].why"),
        ],
        ids=[
            "long-reason",
            "empty-reason",
            "no-reason",
            "bad-id",
            "source",
            "title",
            "time",
            "extra",
        ],
    )
    def test_a_bad_item_is_400_naming_it_and_nothing_of_the_batch_is_written(
        self, send, strava_run, snapshot, item, field
    ):
        before = snapshot()
        response = send([strava_run("1")], set_aside=[item])
        assert response.status_code == 400
        assert field in {e["field"] for e in response.json["errors"]}
        assert snapshot() == before

    def test_more_than_a_thousand_is_400(self, send, snapshot):
        before = snapshot()
        items = [{**TOO_LONG, "external_id": str(i)} for i in range(1001)]
        assert send(set_aside=items).status_code == 400
        assert snapshot() == before

    @pytest.mark.parametrize("other", ["runs", "deleted"])
    def test_an_activity_both_a_run_and_set_aside_is_refused(
        self, send, strava_run, snapshot, other
    ):
        before = snapshot()
        key = {"source": "strava", "external_id": "9001"}
        body = {"runs": [strava_run("9001")]} if other == "runs" else {"deleted": [key]}
        response = send(set_aside=[TOO_LONG], **body)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.set_aside"
        assert snapshot() == before

    def test_reading_them_needs_runs_read(self, client, token, runner):
        response = client.get(
            f"/api/v1/users/{runner}/set-aside", headers=token(runner=runner, scope="users:read")
        )
        assert response.status_code == 403

    def test_a_service_reads_any_runners_list(self, send, client, token, runner):
        send(set_aside=[TOO_LONG])
        response = client.get(
            f"/api/v1/users/{runner}/set-aside", headers=token(client="reporter", scope="runs:read")
        )
        assert response.status_code == 200
        assert response.json["total"] == 1
