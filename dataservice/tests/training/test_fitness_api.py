"""GET /users/{id}/fitness and each run's load, as a runner (or their dashboard) sees them."""

from __future__ import annotations

import pytest

from dataservice.training import load

PROFILE = {"max_hr": 190, "rest_hr": 60}


def fitness(client, token, runner, query=""):
    return client.get(f"/api/v1/users/{runner}/fitness{query}", headers=token(runner=runner))


def profile(client, token, runner, **fields):
    response = client.patch(f"/api/v1/users/{runner}", json=fields, headers=token(runner=runner))
    assert response.status_code == 200, response.json
    return response.json


def runs_of(client, token, runner):
    response = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner))
    return {r["title"]: r for r in response.json["items"]}


class TestFitness:
    def test_a_run_with_heart_rate_gives_its_trimp_and_the_days_follow(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(**PROFILE, timezone="UTC")
        add_runs(runner, run("2026-03-02T07:00:00Z", 6, 1800, average_hr=150.0, title="Easy"))
        shown = runs_of(client, token, runner)["Easy"]["load"]
        trimp = round(load.trimp(30, 90 / 130), 1)  # 30 min at ΔHRr 90/130
        assert shown == {"value": trimp, "method": "hr_average", "reason": None}
        answer = fitness(client, token, runner, "?from=2026-03-01&to=2026-03-03")
        assert answer.status_code == 200, answer.json
        days = answer.json["days"]
        assert [d["date"] for d in days] == ["2026-03-01", "2026-03-02", "2026-03-03"]
        assert days[0] == {"date": "2026-03-01", "load": 0, "fitness": 0, "fatigue": 0, "form": 0}
        assert days[1]["load"] == trimp
        assert days[1]["fitness"] == round(trimp / 42, 1)
        assert days[1]["fatigue"] == round(trimp / 7, 1)
        assert days[2]["form"] == round(trimp / 42 - trimp / 7, 1)  # yesterday's
        assert days[2]["fitness"] == round(trimp / 42 * 41 / 42, 1)  # decays after the last run

    def test_without_heart_rate_a_threshold_pace_gives_a_load_and_none_says_why(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner()
        add_runs(runner, run("2026-03-02T07:00:00Z", 15, 3600, title="Tempo"))
        shown = runs_of(client, token, runner)["Tempo"]["load"]
        assert shown["value"] is None and "threshold pace" in shown["reason"]
        profile(client, token, runner, threshold_pace=240)  # 15 km in an hour: at threshold
        shown = runs_of(client, token, runner)["Tempo"]["load"]
        assert shown["method"] == "pace"
        assert shown["value"] == pytest.approx(185.8, abs=0.05)
        day = fitness(client, token, runner, "?from=2026-03-02&to=2026-03-02").json["days"][0]
        assert day["load"] == shown["value"]

    def test_a_change_of_max_and_resting_heart_rate_recomputes_every_load(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(**PROFILE)
        add_runs(
            runner,
            run("2026-02-01T07:00:00Z", 10, 3000, average_hr=150.0, title="Before"),
            run("2026-03-01T07:00:00Z", 10, 3000, average_hr=150.0, title="After"),
        )
        before = runs_of(client, token, runner)
        profile(client, token, runner, max_hr=200, rest_hr=50)
        after = runs_of(client, token, runner)
        for title in ("Before", "After"):
            expected = round(load.trimp(50, 100 / 150), 1)
            assert after[title]["load"]["value"] == expected != before[title]["load"]["value"]

    def test_an_excluded_run_keeps_its_load_but_no_day_counts_it(
        self, client, token, make_runner, add_runs, run
    ):
        runner = make_runner(**PROFILE)
        add_runs(runner, run("2026-03-02T07:00:00Z", 6, 1800, average_hr=150.0, title="Easy"))
        easy = runs_of(client, token, runner)["Easy"]
        client.patch(
            f"/api/v1/users/{runner}/runs/{easy['id']}",
            json={"excluded": True},
            headers=token(runner=runner),
        )
        day = fitness(client, token, runner, "?from=2026-03-02&to=2026-03-02").json["days"][0]
        assert day["load"] == 0 and day["fitness"] == 0
        assert runs_of(client, token, runner)["Easy"]["load"]["value"] == easy["load"]["value"]

    def test_the_default_span_is_the_90_days_up_to_the_runners_today(self, client, token, runner):
        answer = fitness(client, token, runner).json
        assert len(answer["days"]) == 90
        assert answer["to"] == answer["today"] == answer["days"][-1]["date"]
        assert answer["settings"] == {
            "max_hr": None,
            "rest_hr": None,
            "threshold_pace": None,
            "threshold_from": None,
        }

    def test_vo2max_stands_in_for_a_threshold_pace(self, client, token, make_runner):
        runner = make_runner(vo2max=50.0)
        settings = fitness(client, token, runner).json["settings"]
        assert settings["threshold_from"] == "vo2max"
        assert settings["threshold_pace"] == pytest.approx(255, abs=2)  # Daniels' T, VDOT 50

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("?from=2026-03-02&to=2026-03-01", "query.to"),
            ("?from=2020-01-01&to=2026-01-01", "query.from"),
            ("?from=yesterday", "query.from"),
            ("?from=0001-01-01", "query.from"),
        ],
    )
    def test_a_bad_span_is_a_400_naming_it(self, client, token, runner, query, field):
        answer = fitness(client, token, runner, query)
        assert answer.status_code == 400
        assert answer.json["errors"][0]["field"] == field

    def test_another_runners_fitness_is_404(self, client, token, runner, other_runner):
        answer = client.get(f"/api/v1/users/{other_runner}/fitness", headers=token(runner=runner))
        assert answer.status_code == 404
        assert answer.json["code"] == "not_found"

    def test_a_threshold_pace_out_of_bounds_is_a_400(self, client, token, runner):
        response = client.patch(
            f"/api/v1/users/{runner}", json={"threshold_pace": 30}, headers=token(runner=runner)
        )
        assert response.status_code == 400
        assert "threshold_pace" in response.json["errors"][0]["field"]


def test_migrate_stores_the_loads_and_days_a_database_lacks(
    database_url, db, make_runner, add_runs, run
):
    from click.testing import CliRunner
    from sqlalchemy import delete, func, select

    from dataservice.cli import main as dataservice_cli
    from dataservice.training.models import RunLoad, TrainingDay

    runner = make_runner(**PROFILE)
    add_runs(runner, run("2026-03-01T07:00:00Z", 10, 3000, average_hr=150.0))
    db.execute(delete(RunLoad))  # as a database from before revision 0017, or a COPY
    db.execute(delete(TrainingDay))
    db.commit()
    env = {"DATASERVICE_DATABASE_URL": database_url}
    migrated = CliRunner().invoke(dataservice_cli, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert '"training_stored": 1' in migrated.output
    assert db.scalar(select(func.count()).select_from(TrainingDay)) == 1
    again = CliRunner().invoke(dataservice_cli, ["migrate"], env=env)
    assert '"training_stored": 0' in again.output  # nothing missing: nothing computed
    # (the teardown check compares the stored days with a recomputation)
