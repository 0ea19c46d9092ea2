"""The one rule that places every run (``runs.local_time.resolve``): the source's offset,
else its zone at that instant (daylight saving included), else the runner's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from dataservice.runs.local_time import resolve

ZONES = st.sampled_from(
    ["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "Pacific/Chatham",
     "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]
)  # fmt: skip
INSTANTS = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(instant=INSTANTS, zone=ZONES)
def test_a_zone_gives_the_wall_clock_of_that_zone_at_that_instant(instant, zone):
    local = resolve(instant, timezone=zone)
    wall = instant.astimezone(ZoneInfo(zone))
    assert local.start_local == wall.replace(tzinfo=None)
    assert local.utc_offset == wall.utcoffset().total_seconds()
    assert local.timezone == zone


@given(instant=INSTANTS, zone=ZONES, offset=st.integers(-12 * 3600, 14 * 3600))
def test_a_recorded_offset_wins_over_any_zone(instant, zone, offset):
    local = resolve(instant, utc_offset=offset, timezone=zone, fallback_zone="Asia/Tokyo")
    assert local.start_local == (instant + timedelta(seconds=offset)).replace(tzinfo=None)


@given(instant=INSTANTS, zone=ZONES)
def test_without_offset_or_known_zone_the_runners_zone_decides(instant, zone):
    local = resolve(instant, timezone="Europe/Atlantis", fallback_zone=zone)
    assert local.start_local == instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert local.timezone == zone
