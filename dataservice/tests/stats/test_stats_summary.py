"""The dashboard's headline figures: GET /api/v1/users/{id}/stats/summary."""

from __future__ import annotations

from datetime import UTC, datetime


def summary(client, token, runner, query=""):
    response = client.get(
        f"/api/v1/users/{runner}/stats/summary{query}", headers=token(runner=runner)
    )
    assert response.status_code == 200, response.json
    return response.json


class TestSummary:
    def test_it_sums_all_time_and_the_week_month_and_year_of_the_day(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner,
            run("2025-12-30T07:00:00Z", 10, 3000),  # last year, but this ISO week
            run("2026-02-20T07:00:00Z", 8, 2400),  # this year
            run("2026-03-01T07:00:00Z", 5, 1500),  # this month, the Sunday before
            run("2026-03-02T07:00:00Z", 6, 1800),  # this week, this month
            run("2026-03-03T07:00:00Z", 20, 4000, sport_type="Ride"),
        )
        answer = summary(client, token, runner, "?date=2026-03-04")
        assert answer["date"] == "2026-03-04"
        assert (answer["all_time"]["count"], answer["all_time"]["distance"]) == (4, 29000.0)
        assert answer["all_time"]["average_pace"] == 300.0
        assert (answer["week"]["start"], answer["week"]["count"]) == ("2026-03-02", 1)
        assert answer["week"]["distance"] == 6000.0
        assert (answer["month"]["start"], answer["month"]["distance"]) == ("2026-03-01", 11000.0)
        assert (answer["year"]["start"], answer["year"]["distance"]) == ("2026-01-01", 19000.0)
        assert answer["year"]["moving_time"] == 5700

    def test_a_week_across_new_year_counts_both_years_days(
        self, client, token, runner, add_runs, run
    ):
        add_runs(
            runner, run("2025-12-30T07:00:00Z", 10, 3000), run("2026-01-02T07:00:00Z", 5, 1500)
        )
        answer = summary(client, token, runner, "?date=2026-01-02")
        assert (answer["week"]["start"], answer["week"]["distance"]) == ("2025-12-29", 15000.0)
        assert answer["year"]["distance"] == 5000.0

    def test_named_sports_replace_running(self, client, token, runner, add_runs, run):
        add_runs(
            runner,
            run("2026-03-02T07:00:00Z", 6, 1800),
            run("2026-03-03T07:00:00Z", 20, 4000, sport_type="Ride"),
        )
        answer = summary(client, token, runner, "?date=2026-03-04&sport=Ride")
        assert answer["sport"] == ["Ride"]
        assert answer["week"]["distance"] == 20000.0
        assert answer["week"]["average_speed"] == 5.0

    def test_without_a_date_it_is_today(self, client, token, runner, add_runs, run):
        now = datetime.now(UTC)
        add_runs(runner, run(now.isoformat(), 7, 2100))
        answer = summary(client, token, runner)
        assert answer["date"] == now.date().isoformat()
        assert answer["week"]["distance"] == answer["all_time"]["distance"] == 7000.0

    def test_a_runner_without_runs_gets_zeros(self, client, token, runner):
        answer = summary(client, token, runner, "?date=2026-03-04")
        for part in ("all_time", "week", "month", "year"):
            assert answer[part]["count"] == 0 and answer[part]["distance"] == 0.0
            assert answer[part]["average_pace"] is None

    def test_a_date_beyond_2100_is_400_naming_it(self, client, token, runner):
        response = client.get(
            f"/api/v1/users/{runner}/stats/summary?date=2101-01-01", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "query.date"
