"""Share links and privacy zones through the API: a runner shares only their own run or
race; the link shows what was shared and nothing else (never the email, heart rate only
when chosen), with the route's ends hidden inside the runner's zones; an unknown, revoked
or expired link is the same 404."""

from __future__ import annotations

import datetime as dt

import polyline
import pytest
from sqlalchemy import update

from dataservice.imports.track import haversine
from dataservice.sharing.models import ShareLink

# 11 points due north, 0.001 degree (about 111 m) apart, a minute each, with heart rate.
POINTS = "".join(
    f'<trkpt lat="{48.0 + i * 0.001:.4f}" lon="2.0000"><ele>{10 + i}</ele>'
    f"<time>2026-03-02T07:{i:02d}:00Z</time>"
    f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{140 + i}</gpxtpx:hr>"
    "</gpxtpx:TrackPointExtension></extensions></trkpt>"
    for i in range(11)
)
GPX = (
    '<?xml version="1.0"?><gpx version="1.1" creator="t" '
    'xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
    f"<trk><name>Morning loop</name><trkseg>{POINTS}</trkseg></trk></gpx>"
).encode()
SERVICE = {"client": "runnerly-web", "scope": "users:read"}


@pytest.fixture
def own_run(client, token, runner) -> int:
    r = client.post(
        f"/api/v1/users/{runner}/runs/import?filename=loop.gpx",
        data=GPX,
        content_type="application/octet-stream",
        headers=token(runner=runner),
    )
    assert r.status_code == 201, r.json
    return int(r.json["id"])


def share(client, token, runner, **body):
    return client.post(
        f"/api/v1/users/{runner}/share-links", json=body, headers=token(runner=runner)
    )


def shared(client, token, link_token):
    return client.post(
        "/api/v1/shared/by-token", json={"token": link_token}, headers=token(**SERVICE)
    )


def add_zone(client, token, runner, **body):
    return client.post(
        f"/api/v1/users/{runner}/privacy-zones", json=body, headers=token(runner=runner)
    )


class TestShareLinks:
    def test_a_shared_run_shows_its_figures_and_never_the_email_or_heart_rate(
        self, client, token, runner, own_run
    ):
        made = share(client, token, runner, run_id=own_run)
        assert made.status_code == 201, made.json
        assert len(made.json["token"]) >= 43  # 256 bits in URL-safe base64
        r = shared(client, token, made.json["token"])
        assert r.status_code == 200, r.json
        page = r.json
        assert page["kind"] == "run"
        assert page["title"] == "Morning loop"
        assert page["date"] == "2026-03-02"
        assert page["distance"] == pytest.approx(1112, abs=2)
        assert page["pace"] == pytest.approx(page["moving_time"] * 1000 / page["distance"], 0.1)
        assert page["splits"][0]["split"] == 1
        assert len(polyline.decode(page["route"]["polyline"])) == 11
        assert "average_hr" not in page and "max_hr" not in page
        text = r.get_data(as_text=True)
        assert "@example.org" not in text and "runner_id" not in text

    def test_heart_rate_shows_when_the_runner_chose_it(self, client, token, runner, own_run):
        made = share(client, token, runner, run_id=own_run, show_hr=True)
        page = shared(client, token, made.json["token"]).json
        assert page["average_hr"] == pytest.approx(145, abs=1)
        assert page["max_hr"] == 150

    def test_the_list_carries_no_token_and_the_database_only_its_hash(
        self, client, token, runner, own_run, db
    ):
        made = share(client, token, runner, run_id=own_run).json
        listed = client.get(
            f"/api/v1/users/{runner}/share-links?run_id={own_run}", headers=token(runner=runner)
        ).json["items"]
        assert [item["id"] for item in listed] == [made["id"]]
        assert "token" not in listed[0]
        stored = db.get(ShareLink, made["id"])
        assert made["token"] not in stored.token_hash

    def test_revoked_expired_and_unknown_links_answer_the_same_404(
        self, client, token, runner, own_run, app
    ):
        revoked = share(client, token, runner, run_id=own_run).json
        expired = share(client, token, runner, run_id=own_run, expires_in_days=1).json
        gone = client.delete(
            f"/api/v1/users/{runner}/share-links/{revoked['id']}", headers=token(runner=runner)
        )
        assert gone.status_code == 204
        with app.extensions["runnerly.db"].transaction() as session:
            session.execute(
                update(ShareLink)
                .where(ShareLink.id == expired["id"])
                .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
        answers = [shared(client, token, t) for t in (revoked["token"], expired["token"], "A" * 43)]
        assert {a.status_code for a in answers} == {404}
        assert len({(a.json["code"], a.json["message"]) for a in answers}) == 1

    def test_a_runner_cannot_share_another_runners_run_or_race(
        self, client, token, runner, other_runner, make_race, stored
    ):
        theirs = client.post(
            f"/api/v1/users/{other_runner}/runs/import?filename=loop.gpx",
            data=GPX,
            content_type="application/octet-stream",
            headers=token(runner=other_runner),
        ).json["id"]
        race = make_race(other_runner, days=-3)
        before = stored()
        for body in ({"run_id": theirs}, {"race_id": race}):
            r = share(client, token, runner, **body)
            assert r.status_code == 404, r.json
            r = client.post(
                f"/api/v1/users/{other_runner}/share-links",
                json=body,
                headers=token(runner=runner),
            )
            assert r.status_code == 404, r.json
        assert stored() == before

    def test_a_runners_token_cannot_read_by_token(self, client, token, runner, own_run):
        made = share(client, token, runner, run_id=own_run).json
        r = client.post(
            "/api/v1/shared/by-token", json={"token": made["token"]}, headers=token(runner=runner)
        )
        assert r.status_code == 403

    @pytest.mark.parametrize(
        "body", [{}, {"run_id": 1, "race_id": 1}, {"run_id": 1, "expires_in_days": 0}]
    )
    def test_a_link_to_nothing_or_to_two_things_is_refused(self, client, token, runner, body):
        r = share(client, token, runner, **body)
        assert r.status_code in (400, 422), r.json
        assert r.json["errors"]

    def test_a_shared_race_shows_its_name_distance_and_result_time(
        self, client, token, runner, make_race, add_runs, run, today
    ):
        race = make_race(runner, days=-2, distance=5000)
        day = today - dt.timedelta(days=2)
        add_runs(
            runner,
            run(f"{day}T08:00:00Z", 5.02, 1190),
            run(f"{day}T17:00:00Z", 2.0, 600),  # the cool-down is not the result
        )
        made = share(client, token, runner, race_id=race)
        page = shared(client, token, made.json["token"]).json
        assert page["kind"] == "race"
        assert page["distance"] == 5000
        assert page["result_time"] == 1250  # elapsed: 1190 s moving and a minute's stop
        assert set(page) == {"kind", "name", "date", "distance", "result_time"}


class TestPrivacyZones:
    def test_the_routes_start_and_end_inside_zones_are_hidden(self, client, token, runner, own_run):
        home = add_zone(client, token, runner, label="Home", lat=48.0, lon=2.0, radius=300)
        assert home.status_code == 201, home.json
        add_zone(client, token, runner, label="Work", lat=48.010, lon=2.0, radius=150)
        made = share(client, token, runner, run_id=own_run).json
        route = shared(client, token, made["token"]).json["route"]
        kept = polyline.decode(route["polyline"])
        assert kept[0] == (48.003, 2.0) and kept[-1] == (48.008, 2.0)
        for lat, lon in kept:
            assert haversine(lat, lon, 48.0, 2.0) > 300
        assert route["bounds"] == [[48.003, 2.0], [48.008, 2.0]]
        assert route["trimmed"] is True

    def test_a_route_inside_a_zone_is_not_shown_at_all(self, client, token, runner, own_run):
        add_zone(client, token, runner, label="Park", lat=48.005, lon=2.0, radius=1000)
        made = share(client, token, runner, run_id=own_run).json
        page = shared(client, token, made["token"]).json
        assert page["route"] is None
        assert "48.0" not in str(page)

    @pytest.mark.parametrize(
        ("field", "value"), [("radius", 99), ("radius", 1001), ("lat", 91), ("label", "")]
    )
    def test_a_zone_out_of_range_is_refused_naming_the_field(
        self, client, token, runner, field, value
    ):
        body = {"label": "Home", "lat": 48.0, "lon": 2.0, "radius": 200, field: value}
        r = add_zone(client, token, runner, **body)
        assert r.status_code == 400, r.json
        assert any(field in e["field"] for e in r.json["errors"])

    def test_zones_are_listed_and_deleted_by_their_owner_only(
        self, client, token, runner, other_runner
    ):
        zone = add_zone(client, token, runner, label="Home", lat=48.0, lon=2.0, radius=200).json
        base = f"/api/v1/users/{runner}/privacy-zones"
        r = client.delete(f"{base}/{zone['id']}", headers=token(runner=other_runner))
        assert r.status_code == 404
        mine = client.get(base, headers=token(runner=runner)).json["items"]
        assert [z["label"] for z in mine] == ["Home"]
        gone = client.delete(f"{base}/{zone['id']}", headers=token(runner=runner))
        assert gone.status_code == 204
        assert client.get(base, headers=token(runner=runner)).json["items"] == []
