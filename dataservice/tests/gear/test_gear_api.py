"""A runner's shoes (/users/{id}/gear): their distance is the sum of the counted runs that
wear them plus a starting distance, kept right as runs arrive, change, go; Strava's gear_id
maps at sync and a runner's own choice survives it; files get the default pair."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataservice.gear import service

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="watch" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Lunch loop</name><type>running</type><trkseg>
<trkpt lat="48.0000" lon="2.0000"><time>2026-03-02T12:00:00Z</time></trkpt>
<trkpt lat="48.0045" lon="2.0000"><time>2026-03-02T12:02:30Z</time></trkpt>
<trkpt lat="48.0090" lon="2.0000"><time>2026-03-02T12:05:00Z</time></trkpt>
</trkseg></trk></gpx>"""


def _url(runner: int, path: str = "") -> str:
    return f"/api/v1/users/{runner}/gear{path}"


def _add(client, token, runner, **body: Any) -> dict[str, Any]:
    r = client.post(_url(runner), json={"name": "Pegasus", **body}, headers=token(runner=runner))
    assert r.status_code == 201, r.json
    return r.json


def _gear(client, token, runner, gear_id: int) -> dict[str, Any]:
    r = client.get(_url(runner, f"/{gear_id}"), headers=token(runner=runner))
    assert r.status_code == 200, r.json
    return r.json


def _sync(client, token, runner, *runs: dict[str, Any]) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/users/{runner}/runs/batch",
        json={"runs": list(runs)},
        headers=token(client="strava-worker", scope="runs:write"),
    )
    assert r.status_code == 200, r.json
    return r.json


def _strava(n: int, km: float, gear: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "source": "strava",
        "external_id": str(n),
        "start_time": f"2026-03-{n:02d}T07:00:00+00:00",
        "distance": km * 1000,
        "moving_time": int(km * 300),
        "elapsed_time": int(km * 300) + 30,
        **({"strava_gear_id": gear} if gear is not None else {}),
        **fields,
    }


def _runs(client, token, runner) -> dict[str, dict[str, Any]]:
    r = client.get(f"/api/v1/users/{runner}/runs?per_page=200", headers=token(runner=runner))
    assert r.status_code == 200, r.json
    return {run["external_id"]: run for run in r.json["items"]}


def _patch_run(client, token, runner, run_id: int, **body: Any):
    return client.patch(
        f"/api/v1/users/{runner}/runs/{run_id}", json=body, headers=token(runner=runner)
    )


class TestDistance:
    def test_a_pair_sums_its_counted_runs_and_its_starting_distance(self, client, token, runner):
        pair = _add(client, token, runner, start_distance=120_000)
        _sync(client, token, runner, _strava(1, 10), _strava(2, 5), _strava(3, 21.1))
        runs = _runs(client, token, runner)
        for n in ("1", "2", "3"):
            assert (
                _patch_run(client, token, runner, runs[n]["id"], gear_id=pair["id"]).status_code
                == 200
            )
        assert _gear(client, token, runner, pair["id"])["distance"] == 156_100.0
        # Excluded: it wears nothing out in the figures (runs.counted)
        _patch_run(client, token, runner, runs["3"]["id"], excluded=True)
        shown = _gear(client, token, runner, pair["id"])
        assert (shown["distance"], shown["runs"]) == (135_000.0, 2)
        # A corrected distance, and a deleted run, show at once
        _patch_run(client, token, runner, runs["1"]["id"], distance=12_000)
        client.delete(
            f"/api/v1/users/{runner}/runs/{runs['2']['id']}", headers=token(runner=runner)
        )
        assert _gear(client, token, runner, pair["id"])["distance"] == 132_000.0

    def test_the_alert_warns_near_and_past_the_retirement_distance(self, client, token, runner):
        pair = _add(client, token, runner, retire_distance=700_000, start_distance=640_000)
        assert (pair["alert"], pair["remaining"]) == (None, 60_000.0)
        _sync(client, token, runner, _strava(1, 15, "g7"))
        pair = _gear(client, token, runner, pair["id"] + 1)  # the Strava pair is another one
        assert pair["alert"] is None
        shoes = _add(
            client, token, runner, name="Old", retire_distance=700_000, start_distance=655_000
        )
        assert shoes["alert"] == "near"
        shoes = client.patch(
            _url(runner, f"/{shoes['id']}"),
            json={"start_distance": 700_000},
            headers=token(runner=runner),
        ).json
        assert (shoes["alert"], shoes["remaining"]) == ("past", 0.0)
        retired = client.patch(
            _url(runner, f"/{shoes['id']}"), json={"retired": True}, headers=token(runner=runner)
        ).json
        assert retired["alert"] is None  # replaced already: nothing to warn of

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        steps=st.lists(
            st.tuples(
                st.sampled_from(["sync", "exclude", "include", "delete", "wear", "unwear"]),
                st.integers(1, 6),
                st.floats(1, 40, allow_nan=False).map(lambda x: round(x, 1)),
            ),
            max_size=12,
        )
    )
    def test_the_distance_equals_a_fresh_sum_after_any_changes(
        self, client, token, make_runner, steps
    ):
        runner = make_runner()
        pair = _add(client, token, runner)
        for action, n, km in steps:
            runs = _runs(client, token, runner)
            run = runs.get(str(n))
            if action == "sync":
                _sync(client, token, runner, _strava(n, km, "g1"))
            elif run is None:
                continue
            elif action in ("exclude", "include"):
                _patch_run(client, token, runner, run["id"], excluded=action == "exclude")
            elif action == "delete":
                client.delete(
                    f"/api/v1/users/{runner}/runs/{run['id']}", headers=token(runner=runner)
                )
            else:
                _patch_run(
                    client,
                    token,
                    runner,
                    run["id"],
                    gear_id=pair["id"] if action == "wear" else None,
                )
        expected: dict[int, float] = {}
        for run in _runs(client, token, runner).values():
            if run["gear_id"] is not None and not run["excluded"]:
                expected[run["gear_id"]] = expected.get(run["gear_id"], 0.0) + run["distance"]
        listed = client.get(_url(runner), headers=token(runner=runner)).json["items"]
        assert {g["id"]: g["distance"] for g in listed if g["runs"]} == {
            k: round(v, 1) for k, v in expected.items()
        }


class TestStrava:
    def test_a_shoe_id_makes_one_pair_and_a_bike_id_none(self, client, token, runner):
        answer = _sync(
            client, token, runner, _strava(1, 10, "g42"), _strava(2, 8, "g42"), _strava(3, 5, "b99")
        )
        [made] = answer["new_gear"]
        assert made["strava_id"] == "g42"
        runs = _runs(client, token, runner)
        assert runs["1"]["gear_id"] == runs["2"]["gear_id"] == made["id"]
        assert runs["3"]["gear_id"] is None
        pair = _gear(client, token, runner, made["id"])
        assert (pair["distance"], pair["name"]) == (18_000.0, "Strava shoes g42")
        assert "new_gear" not in _sync(client, token, runner, _strava(4, 3, "g42"))

    def test_a_runners_choice_of_shoes_survives_later_syncs(self, client, token, runner):
        _sync(client, token, runner, _strava(1, 10, "g1"))
        mine = _add(client, token, runner, name="Trail pair")
        run = _runs(client, token, runner)["1"]
        changed = _patch_run(client, token, runner, run["id"], gear_id=mine["id"]).json
        assert "gear_id" in changed["edited_fields"]
        _sync(client, token, runner, _strava(1, 10.5, "g1", title="Renamed on Strava"))
        again = _runs(client, token, runner)["1"]
        assert (again["gear_id"], again["distance"]) == (mine["id"], 10_500.0)

    def test_a_pair_changed_on_strava_follows_when_the_runner_did_not_choose(
        self, client, token, runner
    ):
        _sync(client, token, runner, _strava(1, 10, "g1"))
        _sync(client, token, runner, _strava(1, 10, "g2"))
        run = _runs(client, token, runner)["1"]
        listed = {
            g["strava_id"]: g
            for g in client.get(_url(runner), headers=token(runner=runner)).json["items"]
        }
        assert run["gear_id"] == listed["g2"]["id"]
        assert (listed["g1"]["distance"], listed["g2"]["distance"]) == (0.0, 10_000.0)


class TestDefaultPair:
    def test_a_file_gets_the_default_pair_and_one_default_at_a_time(self, client, token, runner):
        first = _add(client, token, runner, is_default=True)
        second = _add(client, token, runner, name="Clifton", is_default=True)
        assert _gear(client, token, runner, first["id"])["is_default"] is False
        r = client.post(
            f"/api/v1/users/{runner}/runs/import?filename=run.gpx",
            data=GPX,
            content_type="application/octet-stream",
            headers=token(runner=runner),
        )
        assert r.status_code == 201, r.json
        assert r.json["gear_id"] == second["id"]
        assert _gear(client, token, runner, second["id"])["runs"] == 1

    def test_a_retired_pair_is_no_longer_the_default(self, client, token, runner):
        pair = _add(client, token, runner, is_default=True)
        pair = client.patch(
            _url(runner, f"/{pair['id']}"), json={"retired": True}, headers=token(runner=runner)
        ).json
        assert pair["is_default"] is False
        r = client.patch(
            _url(runner, f"/{pair['id']}"), json={"is_default": True}, headers=token(runner=runner)
        )
        assert r.status_code == 422
        assert r.json["errors"][0]["field"] == "body.is_default"


class TestErrors:
    def test_deleting_a_pair_a_run_wears_is_409_and_an_unused_one_goes(self, client, token, runner):
        _sync(client, token, runner, _strava(1, 10, "g5"))
        [worn] = client.get(_url(runner), headers=token(runner=runner)).json["items"]
        r = client.delete(_url(runner, f"/{worn['id']}"), headers=token(runner=runner))
        assert r.status_code == 409
        assert "retire it" in r.json["message"]
        assert _runs(client, token, runner)["1"]["gear_id"] == worn["id"]
        spare = _add(client, token, runner)
        assert (
            client.delete(_url(runner, f"/{spare['id']}"), headers=token(runner=runner)).status_code
            == 204
        )

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "  "}, "body.name"),
            ({"name": "x", "retire_distance": -5}, "body.retire_distance"),
            ({"name": "x", "strava_id": "b12"}, "body.strava_id"),
            ({"name": "x", "colour": "red"}, "body"),
        ],
    )
    def test_bad_input_is_4xx_naming_the_field_and_stores_nothing(
        self, client, token, runner, body, field
    ):
        r = client.post(_url(runner), json=body, headers=token(runner=runner))
        assert 400 <= r.status_code < 500, r.json
        assert (
            any(e["field"].startswith(field) for e in r.json.get("errors", []))
            or field in r.json["message"]
        )
        assert client.get(_url(runner), headers=token(runner=runner)).json["items"] == []

    def test_a_run_cannot_wear_another_runners_pair(self, client, token, runner, other_runner):
        theirs = _add(client, token, other_runner)
        _sync(client, token, runner, _strava(1, 10))
        run = _runs(client, token, runner)["1"]
        r = _patch_run(client, token, runner, run["id"], gear_id=theirs["id"])
        assert r.status_code == 422
        assert r.json["errors"][0]["field"] == "body.gear_id"
        assert _runs(client, token, runner)["1"]["gear_id"] is None

    @pytest.mark.parametrize(
        ("method", "path"),
        [("get", ""), ("post", ""), ("get", "/{g}"), ("patch", "/{g}"), ("delete", "/{g}")],
    )
    def test_another_runners_gear_is_404_and_unchanged(
        self, client, token, runner, other_runner, method, path
    ):
        theirs = _add(client, token, other_runner)
        r = getattr(client, method)(
            _url(other_runner, path.format(g=theirs["id"])),
            json={"name": "Mine"},
            headers=token(runner=runner),
        )
        assert r.status_code == 404
        assert _gear(client, token, other_runner, theirs["id"]) == theirs
        # and their pair id under one's own path is not found either
        r = client.get(_url(runner, f"/{theirs['id']}"), headers=token(runner=runner))
        assert r.status_code == 404


def test_strava_shoe_ids_are_g_and_digits() -> None:
    assert service.STRAVA_SHOE.fullmatch("g12345")
    assert not service.STRAVA_SHOE.fullmatch("b12345")
    assert not service.STRAVA_SHOE.fullmatch("g")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_batches_at_once_making_one_new_strava_pair_both_succeed(app, runner, request):
    """A webhook's batch and the periodic sync's can both see a shoe as new: the one that
    waits on the other's row maps to it, where a plain INSERT failed on the unique key."""
    # PostgreSQL only: SQLite serializes writers, so the two batches cannot overlap.
    import threading

    from sqlalchemy.exc import SQLAlchemyError

    from dataservice.gear import service

    factory = app.extensions["runnerly.db"].sessionmaker
    first = factory()
    request.addfinalizer(first.close)
    first_map, first_made = service.map_strava(first, runner, ["g77"])
    answer: dict[str, object] = {}

    def second_batch() -> None:
        with factory() as second:
            try:
                answer["map"], answer["made"] = service.map_strava(second, runner, ["g77"])
                second.commit()
            except SQLAlchemyError as exc:  # what the batch's 500 would have been
                answer["error"] = exc

    thread = threading.Thread(target=second_batch)
    thread.start()
    thread.join(0.5)  # it now waits on the first's uncommitted row
    first.commit()
    thread.join(10)
    assert "error" not in answer, answer.get("error")
    assert answer["map"] == first_map and answer["made"] == []
    assert first_made == [(first_map["g77"], "g77")]
