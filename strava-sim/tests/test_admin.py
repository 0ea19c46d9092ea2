"""The admin API's own guard and reset."""

from __future__ import annotations

from conftest import bearer, make_settings

from strava_sim.app import create_app
from strava_sim.service import Simulator


def test_with_an_admin_token_set_the_admin_api_needs_the_header(tmp_path, clock):
    settings = make_settings(tmp_path, admin_token="let-me-in")
    app = create_app(settings, simulator=Simulator(settings, clock=clock))
    http = app.test_client()
    refused = http.post("/admin/athletes/1/grant", json={})
    assert refused.status_code == 401 and refused.json["code"] == "admin_token_required"
    allowed = http.post("/admin/athletes/1/grant", json={}, headers={"X-Sim-Admin": "let-me-in"})
    assert allowed.status_code == 200
    app.extensions["strava_sim"].db.dispose()


def test_reset_brings_back_the_seeded_history_and_forgets_tokens(http, tokens):
    listing = http.get("/admin/athletes/1/activities").json
    http.delete(f"/admin/activities/{listing['activities'][0]['id']}")
    assert http.post("/admin/reset").json == {"activities": 2 * 990}
    assert http.get("/admin/athletes/1/activities").json == listing
    assert http.get("/api/v3/athlete", headers=bearer(tokens)).status_code == 401


def test_an_unknown_athlete_or_activity_is_a_404(http):
    assert http.post("/admin/athletes/99/grant", json={}).status_code == 404
    assert http.put("/admin/activities/1", json={"name": "x"}).status_code == 404


def test_a_database_from_before_the_new_switches_is_upgraded_keeping_its_history(tmp_path, clock):
    settings = make_settings(tmp_path, list_order="oldest")
    simulator = Simulator(settings, clock=clock)
    simulator.setup()
    with simulator.db.engine.begin() as connection:
        for column in ("list_order", "drop_events", "lose_refresh_answers"):
            connection.exec_driver_sql(f"ALTER TABLE controls DROP COLUMN {column}")
        # A change a re-seed would undo: the upgrade must keep it.
        connection.exec_driver_sql(
            "DELETE FROM activities WHERE id = (SELECT max(id) FROM activities)"
        )
        kept = connection.exec_driver_sql("SELECT count(*) FROM activities").scalar()
    simulator.db.dispose()
    app = create_app(settings, simulator=Simulator(settings, clock=clock))
    http = app.test_client()
    assert http.get("/admin/list-order").json == {"list_order": "oldest"}
    assert http.get("/admin/faults").json["lose_refresh_answers"] == 0
    assert sum(a["activities"] for a in http.get("/admin/athletes").json) == kept
    pair = http.post("/admin/athletes/1/grant", json={}).json
    assert http.get("/api/v3/athlete/activities", headers=bearer(pair)).status_code == 200
    app.extensions["strava_sim"].db.dispose()


def test_the_athlete_list_names_each_athletes_time_zone(http):
    """Tests that need a runner away from UTC (a run near midnight) pick one by its zone."""
    from zoneinfo import ZoneInfo

    athletes = http.get("/admin/athletes").json
    assert all(ZoneInfo(a["timezone"]) for a in athletes)
    assert len({a["timezone"] for a in athletes}) > 1
