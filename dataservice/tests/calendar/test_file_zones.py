"""A file's run is placed where it was run: the track's first position, else the file's
own local time (FIT), else the runner's zone (issue 16, part 3)."""

from __future__ import annotations

import datetime as dt

from garmin_fit_sdk import Encoder, Profile

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
START = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 February in Paris


def gpx(lat: float | None, lon: float | None) -> bytes:
    def point(i: int) -> str:
        when = (START + dt.timedelta(minutes=5 * i)).isoformat().replace("+00:00", "Z")
        if lat is None:
            return f"<trkpt lat='0' lon='0'><time>{when}</time></trkpt>"
        return f"<trkpt lat='{lat + 0.01 * i}' lon='{lon}'><time>{when}</time></trkpt>"

    points = "".join(point(i) for i in range(4))
    return (
        "<?xml version='1.0'?><gpx version='1.1' creator='t' "
        "xmlns='http://www.topografix.com/GPX/1/1'><trk><type>running</type><trkseg>"
        f"{points}</trkseg></trk></gpx>"
    ).encode()


def treadmill_fit(local_offset: int | None) -> bytes:
    """A FIT without positions whose activity message states the device's local time."""
    mesg, encoder = Profile["mesg_num"], Encoder()
    encoder.on_mesg(
        mesg["FILE_ID"],
        {"type": "activity", "manufacturer": "development", "product": 1, "time_created": START},
    )
    for i in range(11):
        moment = START + dt.timedelta(seconds=60 * i)
        encoder.on_mesg(mesg["RECORD"], {"timestamp": moment, "distance": 200.0 * i})
    end = START + dt.timedelta(seconds=600)
    encoder.on_mesg(
        mesg["SESSION"],
        {
            "timestamp": end,
            "start_time": START,
            "sport": "running",
            "sub_sport": "treadmill",
            "total_elapsed_time": 600,
            "total_distance": 2000.0,
        },
    )
    activity: dict[str, object] = {"timestamp": end, "num_sessions": 1, "type": "manual"}
    if local_offset is not None:
        activity["local_timestamp"] = int((end - FIT_EPOCH).total_seconds()) + local_offset
    encoder.on_mesg(mesg["ACTIVITY"], activity)
    return encoder.close()


def upload(client, token, runner, content, filename):
    response = client.post(
        f"/api/v1/users/{runner}/runs/import?filename={filename}",
        data=content,
        content_type="application/octet-stream",
        headers=token(runner=runner),
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_gpx_started_in_paris_is_on_the_paris_calendar(client, token, make_runner):
    runner = make_runner(timezone="America/New_York")  # a visitor: where it was run wins
    run = upload(client, token, runner, gpx(48.85, 2.35), "paris.gpx")
    assert (run["timezone"], run["utc_offset"]) == ("Europe/Paris", 3600)
    assert run["start_local"] == "2026-02-01T00:30:00"
    month = client.get(f"/api/v1/runs/{runner}/2026/2", headers=token(runner=runner)).json
    assert month["count"] == 1


def test_a_fit_without_positions_takes_the_devices_local_time(client, token, make_runner):
    runner = make_runner(timezone="UTC")
    run = upload(client, token, runner, treadmill_fit(11 * 3600), "treadmill.fit")
    assert (run["utc_offset"], run["timezone"]) == (39600, None)
    assert run["start_local"] == "2026-02-01T10:30:00"


def test_a_file_that_says_nothing_takes_the_runners_zone(client, token, make_runner):
    runner = make_runner(timezone="Europe/Paris")
    run = upload(client, token, runner, treadmill_fit(None), "treadmill.fit")
    assert (run["utc_offset"], run["timezone"]) == (3600, "Europe/Paris")
    assert run["start_local"] == "2026-02-01T00:30:00"
