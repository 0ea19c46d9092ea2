"""``dataservice.admin``, the public admin API operators' tools use (runnerly-admin): what
it writes is what the API then shows, it keeps what the service derives from runs (the
app fixture checks every stored records panel after each test), and it returns plain
values, never the password hash or Strava tokens."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from dataservice import admin

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="watch" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>Lunch loop</name><type>running</type><trkseg>
<trkpt lat="48.0000" lon="2.0000"><ele>10</ele><time>2026-03-02T12:00:00Z</time></trkpt>
<trkpt lat="48.0045" lon="2.0000"><ele>15</ele><time>2026-03-02T12:02:30Z</time></trkpt>
<trkpt lat="48.0090" lon="2.0000"><ele>20</ele><time>2026-03-02T12:05:00Z</time></trkpt>
<trkpt lat="48.0135" lon="2.0000"><ele>25</ele><time>2026-03-02T12:07:30Z</time></trkpt>
</trkseg></trk></gpx>"""


@pytest.fixture
def database(app, settings) -> Iterator[object]:
    """The database as the facade opens it, beside the running app's."""
    db = admin.open_database(settings.database_url)
    yield db
    db.dispose()


class TestRunners:
    def test_an_admin_created_through_it_is_found_by_email_whatever_its_case(self, database):
        with database.transaction() as session:
            made = admin.create_admin(
                session, "Boss@Example.org", first_name="Grace", last_name="", password="p" * 12
            )
        with database.transaction() as session:
            found = admin.find_runner_by_email(session, "boss@example.org")
            assert found == made
            assert found == admin.find_runner(session, runner_id=made.id)
        assert (made.email, made.is_admin, made.has_password, made.disabled) == (
            "Boss@Example.org",
            True,
            True,
            False,
        )

    def test_a_runner_made_admin_keeps_their_password_unless_given_one(
        self, database, client, token, runner
    ):
        with database.transaction() as session:
            promoted = admin.make_admin(session, runner)
        assert promoted.is_admin and not promoted.has_password
        shown = client.get(f"/api/v1/users/{runner}", headers=token(runner=runner)).json
        assert shown["is_admin"] is True
        with database.transaction() as session:
            assert admin.make_admin(session, runner, password="p" * 12).has_password

    @pytest.mark.parametrize(
        ("by", "message"),
        [({"runner_id": 999}, "runner 999 not found"), ({"email": "x@y.org"}, "x@y.org")],
        ids=["id", "email"],
    )
    def test_an_unknown_runner_is_the_404_api_error_it_exports(self, database, by, message):
        with database.transaction() as session, pytest.raises(admin.APIError) as raised:
            admin.find_runner(session, **by)
        assert raised.value.status == 404
        assert message in raised.value.message

    def test_every_runner_id_comes_in_order_a_batch_at_a_time(self, database, make_runner):
        made = [make_runner() for _ in range(3)]
        with database.transaction() as session:
            assert list(admin.runner_ids(session, batch=2)) == sorted(made)
            assert list(admin.runner_ids(session, batch=3)) == sorted(made)


class TestImportAndExport:
    def test_the_data_counts_days_from_the_date_given(self, database, client, token, runner):
        """A backup records a runner's data on its day; a drill days later reads the
        restored copy on that day too, and gets the same answer."""
        body = {"name": "Parkrun", "date": "2027-01-10", "distance": 5000}
        posted = client.post(f"/api/v1/users/{runner}/races", json=body, headers=token(runner))
        assert posted.status_code == 201, posted.json
        with database.transaction() as session:
            on = admin.runner_data(session, runner, {}, dt.date(2027, 1, 1))
            later = admin.runner_data(session, runner, {}, dt.date(2027, 1, 8))
        assert [race["days_to_go"] for race in on["races"] + later["races"]] == [9, 2]

    def test_a_file_imported_through_it_is_the_run_the_api_shows_and_exports(
        self, database, client, token, runner
    ):
        with database.transaction() as session:
            first = admin.import_file(session, runner, "lunch.gpx", GPX)
        with database.transaction() as session:
            again = admin.import_file(session, runner, "lunch.gpx", GPX)
        assert first.created and not again.created and again.run_id == first.run_id
        shown = client.get(f"/api/v1/users/{runner}/runs/{first.run_id}", headers=token(runner))
        assert shown.json["title"] == "Lunch loop"

        with database.transaction() as session:
            originals = list(admin.original_files(session, runner))
            kept = {f.run_id: f"files/{f.run_id}-{f.filename}" for f in originals}
            data = admin.runner_data(session, runner, kept)
        assert [(f.run_id, f.content) for f in originals] == [(first.run_id, GPX)]
        assert [run["id"] for run in data["runs"]] == [first.run_id]
        assert data["runs"][0]["file"] == kept[first.run_id]
        assert data["runs"][0]["best_efforts"]  # a 1.5 km track holds 400 m and 1 km
        assert data["runner"]["id"] == runner and data["strava"] is None
        assert "password_hash" not in json.dumps(data)

    def test_a_file_that_cannot_be_read_is_a_422_and_writes_nothing(
        self, database, runner, snapshot
    ):
        before = snapshot()
        with pytest.raises(admin.APIError) as raised, database.transaction() as session:
            admin.import_file(session, runner, "run.gpx", b"MZ\x90\x00 not an activity")
        assert raised.value.status == 422
        assert snapshot() == before
