"""The monthly report: GET /api/v1/users/{id}/reports/{year}/{month}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def report(client, token, runner, year, month):
    response = client.get(
        f"/api/v1/users/{runner}/reports/{year}/{month}", headers=token(runner=runner)
    )
    assert response.status_code == 200, response.json
    return response.json


def by_distance(answer):
    return {r["distance"]: r for r in answer["records_set"]}


class TestComparison:
    def test_the_month_is_compared_with_the_one_before(self, client, token, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-02-03T07:00:00Z", 10, 3300, elevation_gain=100),
            run("2026-02-28T23:59:00Z", 10, 3300, elevation_gain=100),
            run("2026-03-01T07:00:00Z", 10, 3000, elevation_gain=50),
            run("2026-03-15T07:00:00Z", 10, 3000, elevation_gain=50),
            run("2026-03-29T07:00:00Z", 10, 3000, elevation_gain=50),
            run("2026-03-30T07:00:00Z", 50, 6000, sport_type="Ride"),  # not running
        )
        answer = report(client, token, runner, 2026, 3)
        assert (answer["year"], answer["month"], answer["runs_count"]) == (2026, 3, 3)
        assert answer["totals"]["start"] == "2026-03-01"
        assert answer["totals"]["distance"] == 30000.0
        assert answer["totals"]["average_pace"] == 300.0
        assert answer["previous_month"]["start"] == "2026-02-01"
        assert answer["in_progress"] is False  # a past month: the whole of February
        assert answer["compared_with"] == {"from": "2026-02-01", "to": "2026-02-28"}
        assert answer["previous_month"]["distance"] == 20000.0
        assert answer["previous_month"]["average_pace"] == 330.0
        assert answer["comparison"] == {
            "count": {"delta": 1, "percent": 50.0},
            "distance": {"delta": 10000.0, "percent": 50.0},
            "moving_time": {"delta": 2400, "percent": 36.4},
            "elapsed_time": {"delta": 2460, "percent": 36.6},
            "elevation_gain": {"delta": -50.0, "percent": -25.0},
            "average_pace": {"delta": -30.0, "percent": -9.1},  # 30 s per km faster
        }

    def test_a_month_in_progress_is_compared_with_the_same_days_of_the_one_before(
        self, client, token, runner, add_runs, run
    ):
        # Six days of December against the whole of November read as -80 %: a month in
        # progress is compared with November 1st to 6th.
        today = datetime.now(UTC).date()
        first = today.replace(day=1)
        previous_last = first - timedelta(days=1)
        previous_first = previous_last.replace(day=1)
        add_runs(
            runner,
            run(f"{first.isoformat()}T00:00:00Z", 5, 1500),
            run(f"{previous_first.isoformat()}T07:00:00Z", 10, 3000),
            run(f"{previous_last.isoformat()}T23:00:00Z", 20, 6000),
        )
        answer = report(client, token, runner, today.year, today.month)
        assert answer["in_progress"] is True
        same_day = previous_first.replace(day=min(today.day, previous_last.day))
        assert answer["compared_with"] == {
            "from": previous_first.isoformat(),
            "to": same_day.isoformat(),
        }
        # The month before's last day counts only once today has reached it.
        whole = today.day >= previous_last.day
        assert answer["previous_month"]["distance"] == (30000.0 if whole else 10000.0)
        assert answer["previous_month"]["start"] == previous_first.isoformat()
        assert answer["totals"]["distance"] == 5000.0

    def test_a_first_month_is_compared_with_nothing(self, client, token, runner, add_runs, run):
        add_runs(runner, run("2026-01-10T07:00:00Z", 5, 1500))
        answer = report(client, token, runner, 2026, 1)
        assert answer["previous_month"]["start"] == "2025-12-01"  # January follows December
        assert answer["previous_month"]["count"] == 0
        assert answer["comparison"]["distance"] == {"delta": 5000.0, "percent": None}
        assert answer["comparison"]["count"] == {"delta": 1, "percent": None}
        assert answer["comparison"]["average_pace"] == {"delta": None, "percent": None}

    def test_a_month_without_runs_is_zeros_not_404(self, client, token, runner):
        answer = report(client, token, runner, 2026, 3)
        assert answer["runs_count"] == 0 and answer["totals"]["distance"] == 0.0
        assert answer["records_set"] == [] and answer["longest_run"] is None
        assert answer["comparison"]["distance"] == {"delta": 0.0, "percent": None}

    def test_the_longest_run_is_the_months(self, client, token, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-02-15T07:00:00Z", 30, 10000, title="February long run"),
            run("2026-03-08T07:00:00Z", 18, 5800, title="March long run"),
            run("2026-03-20T07:00:00Z", 12, 3800),
        )
        longest = report(client, token, runner, 2026, 3)["longest_run"]
        assert (longest["title"], longest["distance"]) == ("March long run", 18000.0)


class TestRecordsSet:
    @pytest.fixture
    def history(self, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-01-10T08:00:00Z", 5, 1500, title="January 5k"),
            run("2026-02-07T08:00:00Z", 5, 1450, title="February 5k"),
            run("2026-02-21T08:00:00Z", 10, 3100, title="First 10k"),
            run("2026-02-25T08:00:00Z", 5, 1440, title="Better February 5k"),
            run("2026-03-07T08:00:00Z", 5, 1480, title="March 5k"),
            run("2026-04-04T08:00:00Z", 5, 1400, title="April 5k"),
        )

    def test_the_months_fastest_effort_beating_every_earlier_one_is_a_record(
        self, client, token, runner, history
    ):
        records = by_distance(report(client, token, runner, 2026, 2))
        # The 5 km also holds 400 m, 1 km and 1 mile at its pace (decision 28): records too.
        assert sorted(records) == [400, 1000, 1609, 5000, 10000]
        assert records[1000]["pace"] == 288.0 and records[1000]["origin"] == "pace"
        five = records[5000]
        assert (five["label"], five["title"], five["elapsed"]) == (
            "5 km",
            "Better February 5k",
            1440.0,
        )
        assert five["pace"] == 288.0 and five["origin"] == "whole"
        assert five["previous"]["title"] == "January 5k"
        assert five["previous"]["elapsed"] == 1500.0
        assert five["improvement"] == 60.0

    def test_a_first_effort_over_a_distance_is_a_record_with_nothing_before(
        self, client, token, runner, history
    ):
        ten = by_distance(report(client, token, runner, 2026, 2))[10000]
        assert (ten["title"], ten["elapsed"]) == ("First 10k", 3100.0)
        assert ten["previous"] is None and ten["improvement"] is None

    def test_a_slower_month_sets_no_record(self, client, token, runner, history):
        assert report(client, token, runner, 2026, 3)["records_set"] == []

    def test_later_runs_do_not_take_a_months_record_away(self, client, token, runner, history):
        april = by_distance(report(client, token, runner, 2026, 4))
        assert april[5000]["previous"]["title"] == "Better February 5k"
        assert april[5000]["improvement"] == 40.0
        assert 5000 in by_distance(report(client, token, runner, 2026, 2))

    def test_strava_best_efforts_inside_longer_runs_count(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2026-05-01T08:00:00Z", 1.0, 260),
            run(
                "2026-06-10T08:00:00Z",
                8,
                2500,
                best_efforts=[{"distance": 1000, "elapsed_time": 245}],
            ),
        )
        one = by_distance(report(client, token, runner, 2026, 6))[1000]
        assert (one["elapsed"], one["origin"], one["improvement"]) == (245.0, "strava", 15.0)
