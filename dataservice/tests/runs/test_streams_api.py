"""Strava streams: kept for a run, its best efforts and splits from them, the backfill's
progress; records' histories and the records a run set."""

from __future__ import annotations

from typing import Any

import pytest

WORKER = {"client": "strava-worker", "scope": "runs:read runs:write"}


def even_stream(metres: float, seconds_per_km: float, step: float = 10.0) -> dict[str, Any]:
    count = int(metres / step)
    distance = [i * step for i in range(count + 1)]
    return {
        "time": [d * seconds_per_km / 1000 for d in distance],
        "distance": distance,
        "heartrate": [150] * (count + 1),
        "moving": [True] * (count + 1),
    }


@pytest.fixture
def put_streams(client, token):
    def put(runner: int, activity: str, streams: dict[str, Any] | None) -> Any:
        return client.put(
            f"/api/v1/users/{runner}/strava/streams/{activity}",
            json={"streams": streams},
            headers=token(**WORKER),
        )

    return put


def records(client, token, runner) -> dict[int, Any]:
    answer = client.get(f"/api/v1/users/{runner}/stats/records", headers=token(runner=runner))
    assert answer.status_code == 200, answer.json
    return {r["distance"]: r["best"] for r in answer.json["best_efforts"]}


def run_id(client, token, runner, external_id: str) -> int:
    runs = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner)).json
    return next(r["id"] for r in runs["items"] if r["external_id"] == external_id)


class TestStreams:
    def test_a_strava_runs_stream_gives_its_best_efforts_and_splits(
        self, client, token, runner, add_runs, run, put_streams
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 10.0, 2700))  # a1: a whole 10 km
        assert records(client, token, runner)[5000]["origin"] == "pace"
        # 5 km at 5:00/km, then 5 km at 4:00/km
        first = even_stream(5000, 300)
        second = even_stream(5000, 240)
        stream = {
            key: first[key] + [v + first[key][-1] for v in second[key][1:]]
            if key in ("time", "distance")
            else first[key] + second[key][1:]
            for key in first
        }
        answer = put_streams(runner, "a1", stream)
        assert answer.status_code == 200, answer.json
        assert answer.json["points"] == 1001 and answer.json["best_efforts"] == 5
        held = records(client, token, runner)
        assert (held[5000]["elapsed"], held[5000]["origin"]) == (1200.0, "stream")
        assert (held[1000]["elapsed"], held[10000]["elapsed"]) == (240.0, 2700.0)
        splits = client.get(
            f"/api/v1/users/{runner}/runs/{held[1000]['run_id']}/splits",
            headers=token(runner=runner),
        ).json
        assert splits["source"] == "stream"
        assert [s["elapsed"] for s in splits["km"]] == [300.0] * 5 + [240.0] * 5
        assert splits["mile"][0] == {
            "split": 1,
            "distance": 1609.3,
            "elapsed": 482.8,
            "pace": 482.8,
        }
        assert splits["mile"][-1]["distance"] == pytest.approx(10000 - 6 * 1609.344, abs=0.1)

    def test_a_later_summary_edit_keeps_the_streams_efforts(
        self, client, token, runner, add_runs, run, put_streams
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))  # a1
        put_streams(runner, "a1", even_stream(5000, 240))
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))  # a2: another run
        # the worker sends a1 again with a new title: its stream's efforts stay
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={
                "runs": [
                    {
                        "source": "strava",
                        "external_id": "a1",
                        **run("2026-03-01T08:00:00Z", 5.0, 1500, title="Renamed"),
                    }
                ]
            },
            headers=token(**WORKER),
        )
        assert response.json["updated"] == 1
        assert records(client, token, runner)[5000]["origin"] == "stream"
        assert records(client, token, runner)[5000]["elapsed"] == 1200.0

    @pytest.mark.parametrize(
        "crop",
        [
            {"km": 4.0, "moving": 1200},  # the runner cropped the recording on Strava
            {"km": 5.0, "moving": 1500, "start": "2026-03-01T08:05:00Z"},  # a new start
        ],
    )
    def test_a_measured_change_on_strava_sends_the_stream_back_to_be_fetched(
        self, client, token, runner, add_runs, run, put_streams, crop
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))  # a1
        put_streams(runner, "a1", even_stream(5000, 240))
        body = run(crop.get("start", "2026-03-01T08:00:00Z"), crop["km"], crop["moving"])
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={"runs": [{"source": "strava", "external_id": "a1", **body}]},
            headers=token(**WORKER),
        )
        assert response.json["updated"] == 1
        # the old stream no longer measures this activity: fetched again, not used meanwhile
        pending = client.get(f"/api/v1/users/{runner}/strava/streams", headers=token(**WORKER))
        assert [p["external_id"] for p in pending.json["pending"]] == ["a1"]
        held = records(client, token, runner).values()
        assert all(r is None or r["origin"] != "stream" for r in held)

    def test_an_activity_strava_has_no_streams_for_is_not_asked_again(
        self, client, token, runner, add_runs, run, put_streams
    ):
        add_runs(
            runner,
            run("2026-03-01T08:00:00Z", 5.0, 1500),
            run("2026-03-02T08:00:00Z", 5.0, 1500),
        )
        pending = client.get(f"/api/v1/users/{runner}/strava/streams", headers=token(**WORKER))
        assert [p["external_id"] for p in pending.json["pending"]] == ["a2", "a1"]  # newest first
        assert put_streams(runner, "a2", None).json == {
            "run_id": run_id(client, token, runner, "a2"),
            "points": 0,
            "best_efforts": 4,  # as a whole 5 km
        }
        pending = client.get(f"/api/v1/users/{runner}/strava/streams", headers=token(**WORKER))
        assert (pending.json["runs"], pending.json["fetched"]) == (2, 1)
        assert [p["external_id"] for p in pending.json["pending"]] == ["a1"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"heartrate": [150]}, "body.heartrate"),
            ({"time": [0, 10, 5]}, "body.time"),
            ({"distance": [0, 50, 40]}, "body.distance"),
        ],
    )
    def test_streams_that_do_not_fit_together_are_400_naming_the_field_and_nothing_is_kept(
        self, client, token, runner, add_runs, run, put_streams, snapshot, change, field
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))
        before = snapshot()
        streams = {"time": [0, 10, 20], "distance": [0, 40, 80], **change}
        answer = put_streams(runner, "a1", streams)
        assert answer.status_code == 400
        assert answer.json["errors"][0]["field"] == field
        assert snapshot() == before

    def test_streams_of_a_run_that_is_not_the_runners_strava_run_are_404(
        self, client, token, runner, put_streams
    ):
        assert put_streams(runner, "404404", None).status_code == 404

    def test_a_run_without_stream_or_track_has_no_splits(
        self, client, token, runner, add_runs, run
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))
        number = run_id(client, token, runner, "a1")
        answer = client.get(
            f"/api/v1/users/{runner}/runs/{number}/splits", headers=token(runner=runner)
        )
        assert answer.status_code == 404

    def test_the_link_shows_the_streams_progress(
        self, client, token, runner, add_runs, run, put_streams
    ):
        client.put(
            f"/api/v1/users/{runner}/strava",
            json={
                "athlete_id": 77,
                "access_token": "a",
                "refresh_token": "r",
                "expires_at": "2030-01-01T00:00:00Z",
            },
            headers=token(runner=runner, client="runnerly-web"),
        )
        add_runs(runner, run("2026-03-01T08:00:00Z", 5.0, 1500))
        put_streams(runner, "a1", even_stream(5000, 300))
        link = client.get(
            f"/api/v1/users/{runner}/strava", headers=token(runner=runner, client="runnerly-web")
        )
        assert link.json["streams"] == {"runs": 1, "fetched": 1}


class TestRecordsAgree:
    def test_a_mile_with_a_stop_in_every_stretch_is_shown_at_the_5_km_pace(
        self, client, token, runner, add_runs, run, put_streams
    ):
        add_runs(runner, run("2026-03-01T08:00:00Z", 6.0, 1440))
        dist, time = [0.0], [0.0]
        for lap in range(4):  # 1.5 km at 4:00/km, then a minute's stop (not after the last)
            dist += [dist[-1] + 1500.0, dist[-1] + 1500.0]
            time += [time[-1] + 360.0, time[-1] + 360.0 + (60.0 if lap < 3 else 0.0)]
        put_streams(runner, "a1", {"time": time, "distance": dist})
        held = records(client, token, runner)
        assert held[1609]["origin"] == "pace"
        paces = [held[d]["pace"] for d in sorted(held) if held[d]]
        assert paces == sorted(paces)


class TestHistory:
    def test_a_records_history_lists_each_run_that_beat_the_one_before(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-01-10T08:00:00Z", 5.0, 1500, elapsed_time=1500),
            run("2026-02-10T08:00:00Z", 5.0, 1560, elapsed_time=1560),  # slower: no record
            run("2026-03-10T08:00:00Z", 5.0, 1440, elapsed_time=1440),
        )
        answer = client.get(
            f"/api/v1/users/{runner}/stats/records/5000/history", headers=token(runner=runner)
        )
        assert answer.status_code == 200, answer.json
        assert answer.json["label"] == "5 km"
        assert [(i["start_time"][:10], i["elapsed"]) for i in answer.json["items"]] == [
            ("2026-01-10", 1500.0),
            ("2026-03-10", 1440.0),
        ]

    def test_a_distance_that_is_not_a_record_distance_is_400(self, client, token, runner):
        answer = client.get(
            f"/api/v1/users/{runner}/stats/records/3000/history", headers=token(runner=runner)
        )
        assert answer.status_code == 400

    def test_a_runs_page_lists_the_records_it_set_and_whether_they_stand(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-01-10T08:00:00Z", 5.0, 1500, elapsed_time=1500),  # a1
            run("2026-03-10T08:00:00Z", 5.0, 1440, elapsed_time=1440),  # a2
            run("2026-04-10T08:00:00Z", 5.0, 1600, elapsed_time=1600),  # a3
        )
        first, second, third = (run_id(client, token, runner, f"a{i}") for i in (1, 2, 3))

        def set_by(number: int) -> list[tuple[int, bool]]:
            answer = client.get(
                f"/api/v1/users/{runner}/runs/{number}/records", headers=token(runner=runner)
            )
            assert answer.status_code == 200, answer.json
            return [(r["distance"], r["current"]) for r in answer.json["items"]]

        assert set_by(first) == [(d, False) for d in (400, 1000, 1609, 5000)]
        assert set_by(second) == [(d, True) for d in (400, 1000, 1609, 5000)]
        assert set_by(third) == []
