"""``GET /api/v3/gear/{id}``: the athlete's shoes as Strava's DetailedGear, their distance
the sum of the activities that name them; an id the athlete does not have is Strava's 404."""

from __future__ import annotations

from conftest import bearer


def _activities(http, tokens) -> list[dict]:
    found, page = [], 1
    while batch := http.get(
        "/api/v3/athlete/activities",
        query_string={"page": page, "per_page": 200},
        headers=bearer(tokens),
    ).json:
        found += batch
        page += 1
    return found


def test_the_runs_shoes_are_detailed_gear_with_their_distance(http, tokens):
    runs = [a for a in _activities(http, tokens) if a["gear_id"]]
    assert runs and {a["gear_id"] for a in runs} == {"g1001"}
    answer = http.get("/api/v3/gear/g1001", headers=bearer(tokens))
    assert answer.status_code == 200
    body = answer.json
    assert set(body) == {
        "id",
        "resource_state",
        "primary",
        "name",
        "distance",
        "brand_name",
        "model_name",
        "frame_type",
        "description",
    }
    assert (body["id"], body["resource_state"], body["primary"]) == ("g1001", 3, True)
    assert (body["brand_name"], body["model_name"], body["frame_type"]) == (
        "Nike",
        "Pegasus 40",
        None,
    )
    # private activities too: the token reads them all (activity:read_all)
    assert body["distance"] == round(sum(a["distance"] for a in runs), 1)


def test_an_id_the_athlete_does_not_have_is_strava_s_404(http, tokens, grant):
    for gear_id in ("g999", "b1001"):
        answer = http.get(f"/api/v3/gear/{gear_id}", headers=bearer(tokens))
        assert answer.status_code == 404
        assert answer.json["message"] == "Record Not Found"
        assert answer.json["errors"][0]["resource"] == "Gear"


def test_without_a_token_it_is_401(http):
    assert http.get("/api/v3/gear/g1001").status_code == 401
