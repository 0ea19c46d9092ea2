"""Small activity files written here, with known content: a GPX, a TCX and a FIT run."""

from __future__ import annotations

import datetime as dt

from garmin_fit_sdk import Encoder, Profile

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
# About 111 m per 0.001° of latitude: 11 points make a 1.1 km run north.
POINTS = 11


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _at(day: int, i: int) -> tuple[dt.datetime, float]:
    return START + dt.timedelta(days=day, seconds=30 * i), 48.0 + 0.001 * i


def gpx(day: int = 0, name: str = "Morning loop") -> bytes:
    points = "".join(
        f'<trkpt lat="{lat:.4f}" lon="2.0000"><ele>{10 + i}</ele><time>{_iso(t)}</time></trkpt>\n'
        for i in range(POINTS)
        for t, lat in [_at(day, i)]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="watch" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"<trk><name>{name}</name><type>running</type><trkseg>\n{points}</trkseg></trk></gpx>\n"
    ).encode()


def tcx(day: int = 1) -> bytes:
    points = "".join(
        f"<Trackpoint><Time>{_iso(t)}</Time><DistanceMeters>{111.2 * i:.1f}</DistanceMeters>"
        "</Trackpoint>\n"
        for i in range(POINTS)
        for t, _lat in [_at(day, i)]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{_iso(_at(day, 0)[0])}</Id>'
        f'<Lap StartTime="{_iso(_at(day, 0)[0])}"><Track>\n{points}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>\n"
    ).encode()


def fit(day: int = 2) -> bytes:
    """Built with Garmin's own encoder: file_id, a record per point, a session."""
    semicircles = 2**31 / 180
    mesg = Profile["mesg_num"]
    encoder = Encoder()
    first, last = _at(day, 0)[0], _at(day, POINTS - 1)[0]
    encoder.on_mesg(
        mesg["FILE_ID"],
        {"type": "activity", "manufacturer": "development", "product": 1, "time_created": first},
    )
    for i in range(POINTS):
        t, lat = _at(day, i)
        encoder.on_mesg(
            mesg["RECORD"],
            {
                "timestamp": t,
                "distance": 111.2 * i,
                "position_lat": round(lat * semicircles),
                "position_long": round(2.0 * semicircles),
            },
        )
    encoder.on_mesg(
        mesg["SESSION"],
        {
            "timestamp": last,
            "start_time": first,
            "sport": "running",
            "sub_sport": "generic",
            "total_elapsed_time": (last - first).total_seconds(),
            "total_distance": 111.2 * (POINTS - 1),
        },
    )
    return encoder.close()
