"""The runner's own calendar: days, weeks, months and years are where the run was run
(issue 16, part 3).  Each test here failed when every date was UTC's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def get(client, token, runner, path):
    response = client.get(f"/api/v1/{path}", headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def months(client, token, runner, first, last):
    answer = get(
        client, token, runner, f"users/{runner}/stats/totals?period=month&from={first}&to={last}"
    )
    return {b["start"][:7]: b["count"] for b in answer["buckets"]}


PARIS_NEW_MONTH = {  # 00:30 in Paris on 1 February: still 31 January in UTC
    "start_time": "2026-01-31T23:30:00Z",
    "utc_offset": 3600,
    "timezone": "Europe/Paris",
}


class TestAParisRunJustAfterMidnight:
    def test_counts_in_its_local_month_in_totals(self, client, token, make_runner, add_runs, run):
        runner = make_runner(timezone="Europe/Paris")
        add_runs(runner, run(PARIS_NEW_MONTH["start_time"], 10, 3000, **PARIS_NEW_MONTH))
        assert months(client, token, runner, "2026-01-01", "2026-02-28") == {
            "2026-01": 0,
            "2026-02": 1,
        }

    def test_is_listed_in_its_local_month_with_its_local_start(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(timezone="Europe/Paris")
        add_runs(runner, run(PARIS_NEW_MONTH["start_time"], 10, 3000, **PARIS_NEW_MONTH))
        assert get(client, token, runner, f"runs/{runner}/2026/1")["count"] == 0
        february = get(client, token, runner, f"runs/{runner}/2026/2")
        assert february["count"] == 1
        listed = february["items"][0]
        assert listed["start_local"] == "2026-02-01T00:30:00"
        assert (listed["utc_offset"], listed["timezone"]) == (3600, "Europe/Paris")

    def test_is_in_the_report_of_its_local_month(self, client, token, make_runner, add_runs, run):
        runner = make_runner(timezone="Europe/Paris")
        add_runs(runner, run(PARIS_NEW_MONTH["start_time"], 10, 3000, **PARIS_NEW_MONTH))
        january = get(client, token, runner, f"users/{runner}/reports/2026/1")
        february = get(client, token, runner, f"users/{runner}/reports/2026/2")
        assert (january["runs_count"], february["runs_count"]) == (0, 1)
        assert february["longest_run"]["start_local"] == "2026-02-01T00:30:00"

    def test_is_listed_on_its_local_day(self, client, token, make_runner, add_runs, run):
        runner = make_runner(timezone="Europe/Paris")
        add_runs(runner, run(PARIS_NEW_MONTH["start_time"], 10, 3000, **PARIS_NEW_MONTH))
        path = f"users/{runner}/runs"
        assert (
            get(client, token, runner, f"{path}?from_day=2026-02-01&to_day=2026-02-01")["total"]
            == 1
        )
        assert get(client, token, runner, f"{path}?to_day=2026-01-31")["total"] == 0
        response = client.get(
            f"/api/v1/{path}?from_day=2026-02-02&to_day=2026-02-01", headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "query.to_day"

    def test_makes_the_biggest_month_its_local_one(self, client, token, make_runner, add_runs, run):
        runner = make_runner(timezone="Europe/Paris")
        add_runs(
            runner,
            run(PARIS_NEW_MONTH["start_time"], 30, 9000, **PARIS_NEW_MONTH),
            run("2026-01-10T08:00:00Z", 20, 6000, utc_offset=3600, timezone="Europe/Paris"),
        )
        records = get(client, token, runner, f"users/{runner}/stats/records")
        assert records["biggest_month"]["start"] == "2026-02-01"
        assert records["biggest_month"]["distance"] == 30000.0


class TestRunnersFarFromUTC:
    def test_a_sydney_morning_run_without_an_offset_takes_the_runners_zone(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(timezone="Australia/Sydney")
        add_runs(runner, run("2026-02-28T19:00:00Z", 8, 2400))  # 06:00 on 1 March, AEDT
        assert months(client, token, runner, "2026-02-01", "2026-03-31") == {
            "2026-02": 0,
            "2026-03": 1,
        }
        listed = get(client, token, runner, f"runs/{runner}/2026/3")["items"][0]
        assert (listed["start_local"], listed["utc_offset"]) == ("2026-03-01T06:00:00", 39600)

    def test_a_new_york_new_years_eve_run_counts_in_the_old_year(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(timezone="America/New_York")
        add_runs(runner, run("2026-01-01T02:00:00Z", 5, 1500, timezone="America/New_York"))
        answer = get(
            client, token, runner, f"users/{runner}/stats/totals?period=year&from=2025-01-01"
        )
        by_year = {b["start"][:4]: b["count"] for b in answer["buckets"]}
        assert by_year["2025"] == 1 and by_year["2026"] == 0

    def test_this_week_and_today_are_the_runners(self, client, token, make_runner):
        runner = make_runner(timezone="Pacific/Kiritimati")  # UTC+14: a day ahead for hours
        summary = get(client, token, runner, f"users/{runner}/stats/summary")
        today = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
        assert summary["date"] == today.isoformat()
        weeks = get(client, token, runner, f"users/{runner}/stats/totals")
        assert (
            weeks["buckets"][-1]["start"] == (today - timedelta(days=today.weekday())).isoformat()
        )


class TestDaylightSaving:
    """Europe/Paris goes to summer time on 29 March 2026 at 01:00 UTC."""

    @pytest.mark.parametrize(
        ("instant", "local", "offset", "week"),
        [
            ("2026-03-28T22:30:00Z", "2026-03-28T23:30:00", 3600, "2026-03-23"),  # Sat, CET
            ("2026-03-29T22:30:00Z", "2026-03-30T00:30:00", 7200, "2026-03-30"),  # Mon, CEST
        ],
    )
    def test_the_zone_gives_the_offset_it_had_that_day(
        self, client, token, make_runner, add_runs, run, instant, local, offset, week
    ):
        runner = make_runner()  # a UTC runner on holiday: the run's zone decides
        add_runs(runner, run(instant, 10, 3000, timezone="Europe/Paris"))
        listed = get(client, token, runner, f"runs/{runner}/2026/3")["items"][0]
        assert (listed["start_local"], listed["utc_offset"]) == (local, offset)
        answer = get(
            client, token, runner, f"users/{runner}/stats/totals?from=2026-03-23&to=2026-03-30"
        )
        assert {b["start"]: b["count"] for b in answer["buckets"]}[week] == 1


class TestTheRunnersZone:
    def test_is_utc_until_set_and_then_kept(self, client, token, runner):
        assert get(client, token, runner, f"users/{runner}")["timezone"] == "UTC"
        response = client.patch(
            f"/api/v1/users/{runner}",
            json={"timezone": "Europe/Paris"},
            headers=token(runner=runner),
        )
        assert response.status_code == 200, response.json
        assert get(client, token, runner, f"users/{runner}")["timezone"] == "Europe/Paris"

    @pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "+01:00", ""])
    def test_an_unknown_zone_is_a_400_naming_the_field(self, client, token, runner, zone):
        response = client.patch(
            f"/api/v1/users/{runner}", json={"timezone": zone}, headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.timezone"

    def test_a_run_sent_with_an_unknown_zone_is_a_400_naming_it(
        self, client, token, runner, strava_run
    ):
        response = client.post(
            f"/api/v1/users/{runner}/runs/batch",
            json={"runs": [strava_run("1", timezone="Europe/Atlantis")]},
            headers=token(client="strava-worker", scope="runs:write"),
        )
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.runs[0].timezone"

    def test_a_manual_run_is_placed_in_the_runners_zone(self, client, token, make_runner, run_body):
        runner = make_runner(timezone="America/New_York")
        response = client.post(
            f"/api/v1/users/{runner}/runs",
            json={**run_body, "start_time": "2026-03-01T03:00:00Z"},
            headers=token(runner=runner),
        )
        assert response.status_code == 201, response.json
        assert response.json["start_local"] == "2026-02-28T22:00:00"
        assert response.json["timezone"] == "America/New_York"


# Offsets in use, from UTC-12:00 to UTC+14:00, in quarter hours (Nepal, Chatham are +5:45
# and +12:45).
OFFSETS = st.integers(-48, 56).map(lambda quarters: quarters * 900)
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(runs=st.lists(st.tuples(INSTANTS, OFFSETS), min_size=1, max_size=8))
def test_a_runs_month_is_the_month_of_its_local_date(client, token, make_runner, runs):
    runner = make_runner()
    body = [
        {
            "source": "strava",
            "external_id": f"p{i}",
            "start_time": instant.isoformat(),
            "utc_offset": offset,
            # Distances far apart: two runs at one instant are not one effort (part 1's
            # duplicate rule would merge them and count them once).
            "distance": 1000.0 * 2**i,
            "moving_time": 300 * 2**i,
            "elapsed_time": 300 * 2**i,
        }
        for i, (instant, offset) in enumerate(runs)
    ]
    response = client.post(
        f"/api/v1/users/{runner}/runs/batch",
        json={"runs": body},
        headers=token(client="strava-worker", scope="runs:write"),
    )
    assert response.status_code == 200, response.json
    expected: dict[str, int] = {}
    for instant, offset in runs:
        local = instant + timedelta(seconds=offset)
        key = f"{local.year:04d}-{local.month:02d}"
        expected[key] = expected.get(key, 0) + 1
    first, last = min(expected), max(expected)
    found = months(client, token, runner, f"{first}-01", f"{last}-01")
    assert {month: count for month, count in found.items() if count} == expected
