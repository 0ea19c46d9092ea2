"""Reading plans over HTTP: planned vs done week by week, and the list of plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event


def plans_url(runner: int, plan: int | None = None) -> str:
    return f"/api/v1/users/{runner}/plans" + (f"/{plan}" if plan else "")


def fields_named(response) -> list[str]:
    return [e["field"] for e in response.json.get("errors", [])]


@contextmanager
def statements_on(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` within the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_rest) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class TestPlannedVersusDone:
    def test_each_week_shows_the_distance_and_runs_done_from_the_runs_table(
        self, client, token, runner, other_runner, plan_body, on, add_run, this_monday
    ):
        def at(day: int, hour: int = 7, minute: int = 0) -> dt.datetime:
            moment = dt.datetime.combine(this_monday, dt.time(hour, minute), tzinfo=dt.UTC)
            return moment + dt.timedelta(days=day)

        add_run(runner, at(0), 5000)
        add_run(runner, at(6, 23, 59), 12000)  # Sunday night: still week 1 (UTC)
        add_run(runner, at(7, 0, 0), 8000)  # Monday midnight: week 2
        add_run(runner, at(8), 30000, sport="Ride")  # not running
        add_run(runner, at(-1), 20000)  # before the plan
        add_run(runner, at(35), 10000)  # after race week
        add_run(other_runner, at(1), 9000)  # someone else's
        add_run(runner, at(30, 9), 4000)
        body = plan_body(on(0, distance=6000), on(6, "long", 12000), on(7, distance=8000))
        created = client.post(plans_url(runner), json=body, headers=token(runner=runner))
        r = client.get(plans_url(runner, created.json["id"]), headers=token(runner=runner))
        assert r.status_code == 200
        assert [w["done"] for w in r.json["weeks"]] == [
            {"distance": 17000, "runs": 2},
            {"distance": 8000, "runs": 1},
            {"distance": 0, "runs": 0},
            {"distance": 0, "runs": 0},
            {"distance": 4000, "runs": 1},
        ]
        assert [w["planned_distance"] for w in r.json["weeks"]] == [18000, 8000, 0, 0, 0]

    def test_it_reads_what_was_done_in_one_query_whatever_the_number_of_weeks(
        self, app, client, token, runner, make_race, this_monday, today
    ):
        engine = app.extensions["runnerly.db"].engine
        counts = []
        for weeks in (2, 40):
            race_day = this_monday + dt.timedelta(weeks=weeks - 1, days=6)
            race = make_race(runner, days=(race_day - today).days)
            body = {"race_id": race, "start_date": this_monday.isoformat()}
            plan = client.post(plans_url(runner), json=body, headers=token(runner=runner)).json
            with statements_on(engine) as statements:
                r = client.get(plans_url(runner, plan["id"]), headers=token(runner=runner))
            assert len(r.json["weeks"]) == weeks
            counts.append(sum("FROM runs" in s for s in statements))
        # One grouped query for the weeks, one range for the runs the sessions are matched to.
        assert counts == [2, 2]


class TestListPlans:
    def test_it_lists_outlines_latest_start_first_with_totals(
        self, client, token, runner, race, plan_body, on, this_monday, make_race, today
    ):
        # A race has one plan: the second plan is toward another race on the same day.
        twin = make_race(runner, days=(this_monday + dt.timedelta(weeks=4, days=6) - today).days)
        first = client.post(
            plans_url(runner),
            json=plan_body(on(1), on(2, distance=7000)),
            headers=token(runner=runner),
        ).json
        later = (this_monday + dt.timedelta(weeks=1)).isoformat()
        second = client.post(
            plans_url(runner),
            json=plan_body(start_date=later, race_id=twin),
            headers=token(runner=runner),
        ).json
        r = client.get(plans_url(runner), headers=token(runner=runner))
        assert r.status_code == 200
        assert [p["id"] for p in r.json["items"]] == [second["id"], first["id"]]
        outline = r.json["items"][1]
        assert (outline["weeks"], outline["sessions"], outline["planned_distance"]) == (5, 2, 12000)
        assert r.json["items"][0]["sessions"] == 0 and r.json["items"][0]["weeks"] == 4
        assert "weeks" in outline and "race" not in outline
        assert r.json["total"] == 2

    def test_it_filters_by_race_and_pages(self, client, token, runner, race, make_race, plan_body):
        other = make_race(runner, days=120, name="Autumn")
        twin = make_race(runner, days=121, name="Autumn, day 2")
        for race_id in (race, other, twin):
            client.post(
                plans_url(runner), json=plan_body(race_id=race_id), headers=token(runner=runner)
            )
        r = client.get(
            plans_url(runner) + f"?race_id={race}&per_page=1&page=1", headers=token(runner=runner)
        )
        assert (r.json["total"], len(r.json["items"]), r.json["items"][0]["race_id"]) == (
            1,
            1,
            race,
        )
        paged = client.get(plans_url(runner) + "?per_page=1&page=3", headers=token(runner=runner))
        assert (paged.json["total"], len(paged.json["items"])) == (3, 1)

    def test_it_lists_only_the_runners_own_plans(
        self, client, token, runner, other_runner, make_race, plan_body, this_monday
    ):
        client.post(plans_url(runner), json=plan_body(), headers=token(runner=runner))
        theirs = make_race(other_runner)
        client.post(
            plans_url(other_runner),
            json={"race_id": theirs, "start_date": this_monday.isoformat()},
            headers=token(runner=other_runner),
        )
        r = client.get(plans_url(runner), headers=token(runner=runner))
        assert [p["runner_id"] for p in r.json["items"]] == [runner]
