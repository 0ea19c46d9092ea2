"""A runner corrects a run (PATCH /users/{id}/runs/{run_id}): what they change shows at once
in totals, records and reports, and survives the next Strava sync."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dataservice.runs.models import BestEffort, Run

MARCH = "?period=month&from=2026-03-01&to=2026-03-31"


def _send(client, token, runner, *runs: dict[str, Any]) -> dict[str, int]:
    response = client.post(
        f"/api/v1/users/{runner}/runs/batch",
        json={"runs": list(runs)},
        headers=token(client="strava-worker", scope="runs:write"),
    )
    assert response.status_code == 200, response.json
    return response.json


def _patch(client, token, runner, run_id: int, **changes: Any):
    return client.patch(
        f"/api/v1/users/{runner}/runs/{run_id}", json=changes, headers=token(runner=runner)
    )


def _get(client, token, runner, path: str) -> Any:
    response = client.get(f"/api/v1/users/{runner}{path}", headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def _march(client, token, runner) -> dict[str, Any]:
    return _get(client, token, runner, f"/stats/totals{MARCH}")["buckets"][0]


def _best(client, token, runner, distance: int) -> dict[str, Any] | None:
    answer = _get(client, token, runner, "/stats/records")
    return next(r["best"] for r in answer["best_efforts"] if r["distance"] == distance)


def _id(db, external_id: str) -> int:
    db.rollback()  # a fresh read: the requests committed after this session began
    return db.scalar(select(Run.id).where(Run.external_id == external_id))


def _efforts(db, run_id: int) -> list[int]:
    db.rollback()
    return list(db.scalars(select(BestEffort.distance).where(BestEffort.run_id == run_id)))


@pytest.fixture
def march(client, token, runner, strava_run, run, db) -> dict[str, int]:
    """A 10 km long run and a faster 5 km parkrun in March, from Strava: their ids."""
    _send(
        client,
        token,
        runner,
        strava_run("long", **run("2026-03-08T08:00:00Z", 10, 3000, title="Long one")),
        strava_run("park", **run("2026-03-14T09:00:00Z", 5, 1400, title="Parkrun")),
    )
    return {"long": _id(db, "long"), "park": _id(db, "park")}


class TestExcludedRun:
    def test_it_leaves_the_months_totals_and_records_and_comes_back_when_included(
        self, client, token, runner, march, db
    ):
        assert _best(client, token, runner, 5000)["run_id"] == march["park"]
        answer = _patch(client, token, runner, march["park"], excluded=True)
        assert answer.status_code == 200, answer.json
        assert answer.json["excluded"] is True
        assert answer.json["edited_fields"] == []  # not a field Strava sends

        bucket = _march(client, token, runner)
        assert (bucket["count"], bucket["distance"]) == (1, 10000.0)
        five = _best(client, token, runner, 5000)
        assert five is None or five["run_id"] != march["park"]
        assert _efforts(db, march["park"]) == []
        summary = _get(client, token, runner, "/stats/summary?date=2026-03-20")
        assert summary["month"]["distance"] == 10000.0

        _patch(client, token, runner, march["park"], excluded=False)
        assert _march(client, token, runner)["distance"] == 15000.0
        assert _best(client, token, runner, 5000)["run_id"] == march["park"]

    def test_it_is_still_listed_but_left_out_of_the_months_sum(self, client, token, runner, march):
        _patch(client, token, runner, march["long"], excluded=True)
        month = client.get(f"/api/v1/runs/{runner}/2026/3", headers=token(runner=runner)).json
        assert month["count"] == 2
        assert month["distance"] == 5000.0
        assert [r["excluded"] for r in month["items"]] == [True, False]

    def test_the_longest_run_and_the_report_forget_it(self, client, token, runner, march):
        _patch(client, token, runner, march["long"], excluded=True)
        longest = _get(client, token, runner, "/stats/records")["longest_run"]
        assert longest["run_id"] == march["park"]
        report = _get(client, token, runner, "/reports/2026/3")
        assert (report["runs_count"], report["totals"]["distance"]) == (1, 5000.0)
        assert report["longest_run"]["run_id"] == march["park"]
        assert march["long"] not in [r["run_id"] for r in report["records_set"]]

    def test_a_sync_of_a_changed_run_keeps_it_excluded_and_without_efforts(
        self, client, token, runner, march, strava_run, run, db
    ):
        _patch(client, token, runner, march["park"], excluded=True)
        again = strava_run("park", **run("2026-03-14T09:00:00Z", 5, 1390, title="Parkrun"))
        assert _send(client, token, runner, again)["updated"] == 1
        assert _efforts(db, march["park"]) == []
        assert _march(client, token, runner)["distance"] == 10000.0


class TestCorrectedDistance:
    def test_it_changes_the_totals_the_speed_and_the_records(
        self, client, token, runner, strava_run, run, db
    ):
        # GPS drift made 10 km read 10.6 km: too long to hold the 10 km as a whole run.
        _send(client, token, runner, strava_run("drift", **run("2026-03-08T08:00:00Z", 10.6, 3000)))
        run_id = _id(db, "drift")
        assert _best(client, token, runner, 10000) is None

        answer = _patch(client, token, runner, run_id, distance=10000.0)
        assert answer.status_code == 200, answer.json
        assert answer.json["average_speed"] == pytest.approx(3.333, abs=0.001)
        assert answer.json["edited_fields"] == ["distance"]
        assert _march(client, token, runner)["distance"] == 10000.0
        ten = _best(client, token, runner, 10000)
        assert (ten["run_id"], ten["elapsed"]) == (run_id, 3000.0)

    def test_a_sport_changed_to_ride_leaves_running_totals_and_records(
        self, client, token, runner, march, db
    ):
        _patch(client, token, runner, march["park"], sport_type="Ride")
        assert _march(client, token, runner)["distance"] == 10000.0
        assert _efforts(db, march["park"]) == []


class TestLocalEditsThroughASync:
    def test_a_title_edit_survives_while_an_untouched_field_still_updates(
        self, client, token, runner, march, strava_run, run
    ):
        _patch(client, token, runner, march["park"], title="Parkrun PB attempt")
        # Strava sends the run again: its own title, and a moving time it recomputed.
        again = strava_run("park", **run("2026-03-14T09:00:00Z", 5, 1380, title="Parkrun"))
        assert _send(client, token, runner, again)["updated"] == 1

        stored = _get(client, token, runner, f"/runs/{march['park']}")
        assert stored["title"] == "Parkrun PB attempt"
        assert stored["moving_time"] == 1380
        assert stored["edited_fields"] == ["title"]

    def test_an_unchanged_run_sent_again_is_unchanged_and_nothing_is_written(
        self, client, token, runner, march, strava_run, run, snapshot
    ):
        _patch(client, token, runner, march["park"], title="Parkrun PB attempt")
        before = snapshot()
        again = strava_run("park", **run("2026-03-14T09:00:00Z", 5, 1400, title="Parkrun"))
        answer = _send(client, token, runner, again)
        assert (answer["unchanged"], answer["updated"]) == (1, 0)
        assert snapshot() == before

    def test_a_corrected_distance_stays_and_the_speed_follows_stravas_new_moving_time(
        self, client, token, runner, strava_run, run, db
    ):
        _send(client, token, runner, strava_run("drift", **run("2026-03-08T08:00:00Z", 10.6, 3000)))
        run_id = _id(db, "drift")
        _patch(client, token, runner, run_id, distance=10000.0)
        _send(client, token, runner, strava_run("drift", **run("2026-03-08T08:00:00Z", 10.6, 2500)))

        stored = _get(client, token, runner, f"/runs/{run_id}")
        assert (stored["distance"], stored["moving_time"]) == (10000.0, 2500)
        assert stored["average_speed"] == 4.0
        assert _march(client, token, runner)["distance"] == 10000.0
        assert _best(client, token, runner, 10000)["run_id"] == run_id

    def test_a_value_sent_back_as_it_is_is_no_edit(self, client, token, runner, march):
        answer = _patch(
            client, token, runner, march["park"], title="Parkrun", distance=5000.0,
            workout_type="race",
        )  # fmt: skip
        assert answer.status_code == 200, answer.json
        assert answer.json["edited_fields"] == []
        assert answer.json["workout_type"] == "race"

    def test_a_workout_type_is_kept_and_cleared(self, client, token, runner, march):
        marked = _patch(client, token, runner, march["long"], workout_type="long_run")
        assert marked.json["workout_type"] == "long_run"
        assert _get(client, token, runner, f"/runs/{march['long']}")["workout_type"] == "long_run"
        cleared = _patch(client, token, runner, march["long"], workout_type=None)
        assert cleared.json["workout_type"] is None


class TestDeletedRun:
    def test_it_leaves_the_totals_at_once_and_a_sync_does_not_bring_it_back(
        self, client, token, runner, march, strava_run, run
    ):
        url = f"/api/v1/users/{runner}/runs/{march['park']}"
        assert client.delete(url, headers=token(runner=runner)).status_code == 204
        assert _march(client, token, runner)["distance"] == 10000.0
        again = strava_run("park", **run("2026-03-14T09:00:00Z", 5, 1400, title="Parkrun"))
        assert _send(client, token, runner, again)["skipped"] == 1
        assert client.get(url, headers=token(runner=runner)).status_code == 404
        assert _march(client, token, runner)["count"] == 1


class TestBadEdits:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"workout_type": "tempo"}, "body.workout_type"),
            ({"distance": -1}, "body.distance"),
            ({"title": "x" * 256}, "body.title"),
            ({"title": ""}, "body.title"),
            ({"excluded": "yes"}, "body.excluded"),
            ({"sport_type": "Run!"}, "body.sport_type"),
        ],
    )
    def test_bad_input_is_400_naming_the_field_and_nothing_is_written(
        self, client, token, runner, march, snapshot, changes, field
    ):
        before = snapshot()
        answer = _patch(client, token, runner, march["park"], **changes)
        assert answer.status_code == 400
        assert field in [e["field"] for e in answer.json["errors"]]
        assert snapshot() == before

    def test_another_runners_run_is_404_and_untouched(
        self, client, token, runner, other_runner, march, snapshot
    ):
        before = snapshot()
        answer = _patch(client, token, other_runner, march["park"], excluded=True)
        assert answer.status_code == 404
        url = f"/api/v1/users/{other_runner}/runs/{march['park']}"
        assert client.delete(url, headers=token(runner=other_runner)).status_code == 404
        assert snapshot() == before
