"""The runner's search of their runs: words, local days, distances and sport, paged."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataservice.runs.bulk import upsert_runs

_ids = itertools.count(1)


def _store(app, runner: int, runs: list[dict[str, Any]]) -> None:
    base = {"source": "strava", "moving_time": 1800, "elapsed_time": 1900, "sport_type": "Run"}
    with app.extensions["runnerly.db"].transaction() as session:
        upsert_runs(session, runner, [{**base, "external_id": f"s{next(_ids)}", **r} for r in runs])


def _search(client, token, runner: int, **params: Any) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/users/{runner}/runs", query_string=params, headers=token(runner=runner)
    )
    assert response.status_code == 200, response.json
    return response.json


def _titles(answer: dict[str, Any]) -> list[str]:
    return [r["title"] for r in answer["items"]]


def _at(day: int, hour: int = 7) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


class TestSearch:
    def test_words_match_title_or_description_in_any_case(self, app, client, token, runner):
        _store(
            app,
            runner,
            [
                {"title": "Hill REPEATS", "start_time": _at(1), "distance": 8000.0},
                {
                    "title": "Easy",
                    "description": "6x hill sprints",
                    "start_time": _at(2),
                    "distance": 6000.0,
                },
                {"title": "Long run", "start_time": _at(3), "distance": 20000.0},
            ],
        )
        found = _search(client, token, runner, q="hILL")
        assert _titles(found) == ["Easy", "Hill REPEATS"]  # newest first
        assert found["total"] == 2

    def test_percent_and_underscore_typed_by_the_runner_match_themselves(
        self, app, client, token, runner
    ):
        _store(
            app,
            runner,
            [
                {"title": "100% effort", "start_time": _at(1), "distance": 5000.0},
                {"title": "100 easy", "start_time": _at(2), "distance": 5000.0},
                {"title": "tempo_run", "start_time": _at(3), "distance": 5000.0},
                {"title": "tempo-run", "start_time": _at(4), "distance": 5000.0},
                {"title": "back\\slash", "start_time": _at(5), "distance": 5000.0},
            ],
        )
        assert _titles(_search(client, token, runner, q="100%")) == ["100% effort"]
        assert _titles(_search(client, token, runner, q="%")) == ["100% effort"]
        assert _titles(_search(client, token, runner, q="o_r")) == ["tempo_run"]
        assert _titles(_search(client, token, runner, q="\\")) == ["back\\slash"]

    def test_local_days_distance_and_sport_combine(self, app, client, token, make_runner):
        runner = make_runner(timezone="America/New_York")
        _store(
            app,
            runner,
            [
                # 02:00 UTC on the 5th is the evening of the 4th in New York.
                {"title": "late", "start_time": _at(5, 2), "distance": 10000.0},
                {"title": "fifth", "start_time": _at(5, 14), "distance": 10000.0},
                {"title": "short", "start_time": _at(5, 15), "distance": 3000.0},
                {
                    "title": "ride",
                    "start_time": _at(5, 16),
                    "distance": 10000.0,
                    "sport_type": "Ride",
                },
                {"title": "sixth", "start_time": _at(6, 14), "distance": 12000.0},
            ],
        )
        found = _search(
            client,
            token,
            runner,
            from_day="2026-03-05",
            to_day="2026-03-05",
            min_distance=5000,
            max_distance=10000,
            sport="Run",
        )
        assert _titles(found) == ["fifth"]
        assert _titles(_search(client, token, runner, to_day="2026-03-04")) == ["late"]

    def test_pages_newest_first_with_the_total(self, app, client, token, runner):
        _store(
            app,
            runner,
            [{"title": f"run {d}", "start_time": _at(d), "distance": 5000.0} for d in range(1, 8)],
        )
        page = _search(client, token, runner, q="run", per_page=3, page=2)
        assert page["total"] == 7
        assert _titles(page) == ["run 4", "run 3", "run 2"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("min_distance=-1", "query.min_distance"),
            ("max_distance=far", "query.max_distance"),
            ("min_distance=5000&max_distance=4000", "query.max_distance"),
            ("q=" + "x" * 101, "query.q"),
            ("from_day=2026-03-05&to_day=2026-03-04", "query.to_day"),
            ("from_day=yesterday", "query.from_day"),
        ],
    )
    def test_a_bad_parameter_is_400_naming_it(self, client, token, runner, query, field):
        response = client.get(f"/api/v1/users/{runner}/runs?{query}", headers=token(runner=runner))
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == field

    def test_another_runners_runs_are_never_found(self, app, client, token, runner, other_runner):
        _store(app, other_runner, [{"title": "mine", "start_time": _at(1), "distance": 5000.0}])
        assert _search(client, token, runner, q="mine")["total"] == 0


# Titles from few letters and the characters LIKE treats specially, so that searches hit.
texts = st.text(alphabet="abAB%_\\ ", max_size=6)
runs = st.lists(
    st.fixed_dictionaries(
        {
            "title": texts,
            "description": st.one_of(st.none(), texts),
            "day": st.integers(1, 6),
            "hour": st.integers(0, 23),
            "distance": st.sampled_from([3000.0, 5000.0, 7500.0, 10000.0]),
            "sport_type": st.sampled_from(["Run", "TrailRun", "Ride"]),
        }
    ),
    max_size=12,
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "q": st.text(alphabet="abAB%_\\ ", min_size=1, max_size=3),
        "from_day": st.integers(1, 6),
        "to_day": st.integers(1, 6),
        "min_distance": st.sampled_from([0.0, 5000.0, 7500.0]),
        "max_distance": st.sampled_from([5000.0, 7500.0, 20000.0]),
        "sport": st.sampled_from(["Run", "TrailRun"]),
    },
)


def _matches(run: dict[str, Any], f: dict[str, Any]) -> bool:
    """The search, in Python, over a run as the full list shows it."""
    day = date.fromisoformat(run["start_local"][:10])
    words = (f.get("q") or "").strip().lower()
    return (
        (not words or words in run["title"].lower() or words in (run["description"] or "").lower())
        and ("from_day" not in f or day >= date(2026, 3, f["from_day"]))
        and ("to_day" not in f or day <= date(2026, 3, f["to_day"]))
        and run["distance"] >= f.get("min_distance", 0.0)
        and run["distance"] <= f.get("max_distance", float("inf"))
        and ("sport" not in f or run["sport_type"] == f["sport"])
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stored=runs, f=filters)
def test_the_search_is_the_full_list_filtered(app, client, token, make_runner, stored, f):
    runner = make_runner(timezone="Asia/Tokyo")  # local days differ from UTC ones
    _store(
        app,
        runner,
        [
            {
                "title": r["title"] or "x",
                "description": r["description"],
                "start_time": datetime(2026, 3, r["day"], r["hour"], tzinfo=UTC)
                + timedelta(minutes=i),
                "distance": r["distance"],
                "sport_type": r["sport_type"],
            }
            for i, r in enumerate(stored)
        ],
    )
    everything = _search(client, token, runner, per_page=200)["items"]
    params = {
        **f,
        **{k: f"2026-03-{f[k]:02d}" for k in ("from_day", "to_day") if k in f},
        "per_page": 200,
    }
    bad_days = "from_day" in f and "to_day" in f and f["to_day"] < f["from_day"]
    bad_distances = f.get("max_distance", 1e9) < f.get("min_distance", 0.0)
    response = client.get(
        f"/api/v1/users/{runner}/runs", query_string=params, headers=token(runner=runner)
    )
    if bad_days or bad_distances:
        assert response.status_code == 400
        return
    assert response.status_code == 200, response.json
    assert [r["id"] for r in response.json["items"]] == [
        r["id"] for r in everything if _matches(r, f)
    ]
    assert response.json["total"] == len(response.json["items"])
