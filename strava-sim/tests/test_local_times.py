"""Each activity's local time is its UTC start plus the offset its zone had that day
(daylight saving included), in all three of Strava's fields (issue 16, part 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import bearer
from test_activities import _all


def test_every_activitys_offset_zone_and_local_start_agree(http, tokens):
    activities = _all(http, tokens)
    offsets = set()
    for activity in activities:
        start = datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00"))
        label, _, zone = activity["timezone"].partition(") ")
        expected = start.astimezone(ZoneInfo(zone)).utcoffset()
        assert expected is not None
        assert activity["utc_offset"] == expected.total_seconds()
        hours, minutes = divmod(abs(int(activity["utc_offset"])) // 60, 60)
        sign = "+" if activity["utc_offset"] >= 0 else "-"
        assert label == f"(GMT{sign}{hours:02d}:{minutes:02d}"
        local = datetime.fromisoformat(activity["start_date_local"].replace("Z", ""))
        assert local == (start + timedelta(seconds=activity["utc_offset"])).replace(tzinfo=None)
        offsets.add(activity["utc_offset"])
    if len(offsets) == 1:  # a zone without daylight saving: nothing more to see
        return
    assert len(offsets) == 2  # summer and winter time over three years


def test_an_activity_moved_across_a_dst_change_takes_that_days_offset(http, tokens):
    first = _all(http, tokens)[0]
    zone = ZoneInfo(first["timezone"].partition(") ")[2])
    for month in (1, 7):  # one of them is summer time wherever the zone has one
        moved = datetime(2025, month, 15, 6, 0, tzinfo=UTC)
        response = http.put(
            f"/admin/activities/{first['id']}",
            json={"start_date": moved.isoformat().replace("+00:00", "Z")},
        )
        assert response.status_code == 200, response.json
        detail = http.get(f"/api/v3/activities/{first['id']}", headers=bearer(tokens)).json
        assert detail["utc_offset"] == moved.astimezone(zone).utcoffset().total_seconds()
