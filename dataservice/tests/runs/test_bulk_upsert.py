"""POST /users/{id}/runs/batch: the idempotent bulk upsert the worker relies on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from dataservice.runs.bulk import upsert_runs
from dataservice.runs.models import BestEffort, Run


@pytest.fixture
def batch(strava_run):
    """``batch(n)``: n distinct Strava runs, nine hours apart."""
    start = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)

    def make(count: int, **fields):
        return [
            strava_run(
                str(1000 + i),
                start_time=(start + timedelta(hours=9 * i)).isoformat(),
                distance=5000.0 + i,
                **fields,
            )
            for i in range(count)
        ]

    return make


def _send(client, token, runner, runs):
    return client.post(
        f"/api/v1/users/{runner}/runs/batch",
        json={"runs": runs},
        headers=token(client="strava-worker", scope="runs:write"),
    )


class TestBulkUpsert:
    def test_the_same_thousand_runs_twice_are_created_then_unchanged(
        self, batch, strava_run, client, token, runner, db
    ):
        runs = batch(1000)
        first = _send(client, token, runner, runs)
        assert first.status_code == 200
        assert first.json == {
            "created": 1000,
            "updated": 0,
            "unchanged": 0,
            "deleted": 0,
            "skipped": 0,
            "set_aside": 0,
        }
        second = _send(client, token, runner, runs)
        assert second.json == {
            "created": 0,
            "updated": 0,
            "unchanged": 1000,
            "deleted": 0,
            "skipped": 0,
            "set_aside": 0,
        }
        assert db.query(Run).filter_by(runner_id=runner).count() == 1000

    def test_whole_seconds_written_as_decimals_are_taken(self, batch, client, token, runner):
        runs = batch(2)
        as_decimals = [{**r, "moving_time": 1500.0, "elapsed_time": 1560.0} for r in runs]
        response = _send(client, token, runner, as_decimals)
        assert response.status_code == 200, response.json
        assert response.json["created"] == 2
        again = [{**r, "moving_time": 1500, "elapsed_time": 1560} for r in runs]
        assert _send(client, token, runner, again).json["unchanged"] == 2
        listed = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner))
        assert {r["moving_time"] for r in listed.json["items"]} == {1500}

    def test_an_edit_on_strava_updates_the_run(self, batch, strava_run, client, token, runner):
        runs = batch(3)
        _send(client, token, runner, runs)
        runs[1] = {**runs[1], "title": "Renamed on Strava"}
        assert _send(client, token, runner, runs).json == {
            "created": 0,
            "updated": 1,
            "unchanged": 2,
            "deleted": 0,
            "skipped": 0,
            "set_aside": 0,
        }
        listed = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner))
        assert "Renamed on Strava" in [r["title"] for r in listed.json["items"]]

    def test_a_run_repeated_within_a_batch_is_stored_once(
        self, batch, strava_run, client, token, runner, db
    ):
        run = batch(1)[0]
        response = _send(client, token, runner, [run, {**run, "title": "later copy"}])
        assert response.json["created"] == 1
        assert db.query(Run).one().title == "later copy"

    def test_best_efforts_come_from_strava_or_from_a_run_of_about_the_distance(
        self, batch, strava_run, client, token, runner, db
    ):
        with_efforts = strava_run(
            "a",
            distance=12000.0,
            moving_time=3600,
            elapsed_time=3700,
            best_efforts=[
                {"distance": 1000, "elapsed_time": 250},
                {"distance": 10000, "elapsed_time": 2950},
            ],
        )
        a_5k = strava_run("b", distance=5100.0, moving_time=1530, elapsed_time=1530)
        _send(client, token, runner, [with_efforts, a_5k])
        efforts = {(e.distance, e.origin): e.elapsed for e in db.query(BestEffort)}
        assert efforts[(1000, "strava")] == 250
        assert efforts[(10000, "strava")] == 2950
        assert efforts[(5000, "whole")] == 1500.0  # 5.1 km in 25:30 → 5 km at that pace

    def test_more_than_a_thousand_runs_is_refused_whole(
        self, batch, strava_run, client, token, runner, snapshot
    ):
        before = snapshot()
        response = _send(client, token, runner, batch(1001))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.runs"
        assert snapshot() == before

    def test_one_bad_run_refuses_the_batch_naming_it(
        self, batch, strava_run, client, token, runner, snapshot
    ):
        runs = batch(3)
        runs[2]["distance"] = -5
        before = snapshot()
        response = _send(client, token, runner, runs)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.runs[2].distance"
        assert snapshot() == before

    def test_moving_time_beyond_elapsed_time_is_refused(
        self, batch, strava_run, client, token, runner, snapshot
    ):
        before = snapshot()
        response = _send(client, token, runner, batch(1, moving_time=4000, elapsed_time=3000))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.runs[0].moving_time"
        assert snapshot() == before

    # PostgreSQL only: SQLite lets one writer in at a time, there is no race to lose.
    @pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
    def test_a_writer_racing_on_the_same_runs_loses_nothing_and_duplicates_nothing(
        self, app, batch, client, token, runner, db
    ):
        """Another upsert has inserted one of these runs but not committed: this batch
        waits for it, then counts that run as unchanged instead of failing."""
        runs = batch(50)
        first = {**runs[0], "start_time": datetime.fromisoformat(runs[0]["start_time"])}
        with app.extensions["runnerly.db"].sessionmaker() as other_writer:
            assert upsert_runs(other_writer, runner, [first]).created == 1
            answer: dict[str, Any] = {}
            racing = threading.Thread(
                target=lambda: answer.update(r=_send(client, token, runner, runs))
            )
            racing.start()
            _wait_for_a_lock_wait(db)
            other_writer.commit()
            racing.join(timeout=30)
        assert answer["r"].status_code == 200
        assert answer["r"].json == {
            "created": 49,
            "updated": 0,
            "unchanged": 1,
            "deleted": 0,
            "skipped": 0,
            "set_aside": 0,
        }
        assert db.query(Run).filter_by(runner_id=runner).count() == 50
        # Each 5 km run holds its 400 m, 1 km, 1 mile and 5 km once: none lost, none twice.
        assert db.query(BestEffort).filter_by(runner_id=runner).count() == 50 * 4


def _wait_for_a_lock_wait(db) -> None:
    for _ in range(200):
        waiting = db.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar()
        db.rollback()  # a fresh snapshot of pg_stat_activity on the next read
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the racing upsert never waited on the uncommitted run")


class TestDeletions:
    def test_a_run_deleted_on_strava_is_removed_with_its_efforts(
        self, client, token, runner, db, strava_run
    ):
        kept, gone = strava_run("1", distance=5000.0), strava_run("2", distance=5000.0)
        _send(client, token, runner, [kept, gone])
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={
                "runs": [],
                "deleted": [
                    {"source": "strava", "external_id": "2"},
                    {"source": "strava", "external_id": "404"},
                ],
            },
            headers=token(client="strava-worker", scope="runs:write"),
        )
        assert response.json == {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "deleted": 1,
            "skipped": 0,
            "set_aside": 0,
        }
        assert [r.external_id for r in db.query(Run)] == ["1"]
        assert {e.run_id for e in db.query(BestEffort)} == {db.query(Run).one().id}

    def test_a_strava_run_its_runner_deleted_is_not_brought_back_by_a_sync(
        self, client, token, runner, db, strava_run
    ):
        """The runner deletes a Strava run; the next sync (a listing, a reconciliation, an
        event) sends it again: it stays deleted, and the other runs are stored."""
        first, second = strava_run("1", distance=5000.0), strava_run("2", distance=6000.0)
        _send(client, token, runner, [first, second])
        run_id = db.query(Run).filter_by(external_id="1").one().id
        deleted = client.delete(
            f"/api/v1/users/{runner}/runs/{run_id}", headers=token(runner=runner)
        )
        assert deleted.status_code == 204

        again = _send(client, token, runner, [first, {**second, "distance": 6100.0}])
        assert again.status_code == 200, again.json
        assert (again.json["skipped"], again.json["updated"], again.json["created"]) == (1, 1, 0)
        db.rollback()  # end the test session's read: it began before the deletion
        assert [r.external_id for r in db.query(Run)] == ["2"]
        totals = client.get(
            f"/api/v1/users/{runner}/stats/summary", headers=token(runner=runner)
        ).json
        assert totals["all_time"]["count"] == 1

    def test_a_manual_or_file_run_deleted_leaves_no_trace(self, client, token, runner, db):
        created = client.post(
            f"/api/v1/users/{runner}/runs",
            json={"start_time": "2026-03-01T07:00:00Z", "distance": 5000.0,
                  "moving_time": 1500, "elapsed_time": 1500},
            headers=token(runner=runner),
        )  # fmt: skip
        assert created.status_code == 201, created.json
        url = f"/api/v1/users/{runner}/runs/{created.json['id']}"
        assert client.delete(url, headers=token(runner=runner)).status_code == 204
        assert db.execute(text("SELECT count(*) FROM deleted_activities")).scalar() == 0

    def test_a_run_both_sent_and_deleted_is_refused(self, client, token, runner, strava_run):
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={"runs": [strava_run("1")], "deleted": [{"source": "strava", "external_id": "1"}]},
            headers=token(client="strava-worker", scope="runs:write"),
        )
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.deleted"
