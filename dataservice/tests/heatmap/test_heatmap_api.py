"""A runner's heatmap: the routes of the runs that count, by year and sport, theirs only."""

from __future__ import annotations

import pytest

# Two short routes (Google's encoded polyline examples, precision 5).
ROUTE_A = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
ROUTE_B = "_ibE_seK_seK_seK"


@pytest.fixture
def heatmap(client, token, runner):
    def get(query: str = "", who: int | None = None):
        return client.get(
            f"/api/v1/users/{runner}/heatmap{query}", headers=token(runner=who or runner)
        )

    return get


@pytest.fixture
def runs_of(client, token, runner):
    def listed():
        response = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner))
        return {item["external_id"]: item for item in response.json["items"]}

    return listed


def test_every_route_is_drawn_with_the_years_and_sports_to_choose_from(
    heatmap, add_runs, runner, run
):
    add_runs(
        runner,
        run("2025-06-01T07:00:00Z", 10, 3000, polyline=ROUTE_A),
        run("2026-03-01T07:00:00Z", 5, 1500, polyline=ROUTE_B, sport_type="TrailRun"),
        run("2026-03-02T07:00:00Z", 8, 2400),  # no route (a treadmill)
    )
    body = heatmap().json
    assert body["routes"] == [ROUTE_A, ROUTE_B]
    assert body["runs"] == 3
    assert body["distance"] == 15000
    assert body["years"] == [2025, 2026]
    assert body["sports"] == ["Run", "TrailRun"]
    assert (body["year"], body["sport"]) == (None, None)


def test_year_is_the_runs_local_year_and_sport_its_type(heatmap, add_runs, runner, run):
    add_runs(
        runner,
        # 23:30 UTC on New Year's Eve is already 2026 in Paris: the runner's 2026.
        run("2025-12-31T23:30:00Z", 10, 3000, polyline=ROUTE_A, timezone="Europe/Paris"),
        run("2025-06-01T07:00:00Z", 5, 1500, polyline=ROUTE_B, sport_type="TrailRun"),
    )
    this_year = heatmap("?year=2026").json
    assert (this_year["routes"], this_year["year"]) == ([ROUTE_A], 2026)
    trail = heatmap("?sport=TrailRun").json
    assert (trail["routes"], trail["distance"]) == ([ROUTE_B], 5000)
    assert heatmap("?year=2025&sport=Run").json["routes"] == []
    # The choices stay all of the runner's, whatever is chosen.
    assert trail["years"] == [2025, 2026]


def test_excluded_and_merged_away_runs_are_not_drawn(
    heatmap, add_runs, runs_of, client, token, runner, run
):
    add_runs(
        runner,
        run("2026-03-01T07:00:00Z", 10, 3000, polyline=ROUTE_A),
        run("2026-03-02T07:00:00Z", 5, 1500, polyline=ROUTE_B),
        run("2026-03-05T07:00:00Z", 5, 1500, polyline=ROUTE_B),  # the same, twice
    )
    ids = {key: item["id"] for key, item in runs_of().items()}
    first, second, third = (ids[k] for k in sorted(ids))
    runs = f"/api/v1/users/{runner}/runs"
    excluded = client.patch(
        f"{runs}/{first}", json={"excluded": True}, headers=token(runner=runner)
    )
    assert excluded.status_code == 200
    merged = client.post(
        f"{runs}/{second}/merge", json={"run_id": third}, headers=token(runner=runner)
    )
    assert merged.status_code == 200
    body = heatmap().json
    assert (body["routes"], body["runs"], body["distance"]) == ([ROUTE_B], 1, 5000)


def test_another_runners_heatmap_is_404(heatmap, add_runs, other_runner, runner, run):
    add_runs(runner, run("2026-03-01T07:00:00Z", 10, 3000, polyline=ROUTE_A))
    response = heatmap(who=other_runner)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [("?year=1969", "year"), ("?year=twenty", "year"), ("?sport=Run%201", "sport")],
)
def test_a_bad_filter_is_a_400_naming_it(heatmap, query, field):
    response = heatmap(query)
    assert response.status_code == 400
    assert field in response.json["message"]
