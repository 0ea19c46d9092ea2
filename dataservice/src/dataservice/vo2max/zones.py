"""Heart-rate zones by Karvonen's heart-rate reserve (M. Karvonen, E. Kentala, O. Mustala,
"The effects of training on heart rate", Ann. Med. Exp. Biol. Fenn. 35, 1957): a bound at
``p`` of the reserve is ``rest + p (max - rest)``.  Five zones at 50, 60, 70, 80, 90 and
100 % of the reserve, plus "below zone 1" (under 50 %); a beat above the runner's max is
zone 5, so that every second with a heart rate is in one zone.

Time in zone from a stream: each interval between two samples takes the zone of the heart
rate at its start (the value the sensor reported until the next one); an interval whose
start has no heart rate is in no zone.  The zones' times add up to the duration of the
intervals with a heart rate.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

RESERVE_SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
NAMES = ("Below zone 1", "Zone 1", "Zone 2", "Zone 3", "Zone 4", "Zone 5")


def bounds(max_hr: float, rest_hr: float) -> list[float]:
    """The lower bound of zones 1 to 5, then the maximum: beats a minute."""
    return [rest_hr + share * (max_hr - rest_hr) for share in RESERVE_SHARES]


def zone_of(hr: float, zone_bounds: Sequence[float]) -> int:
    """0 below zone 1, else 1..5."""
    return min(bisect_right(zone_bounds, hr), 5)


def time_in_zones(
    times: Sequence[float], heart_rates: Sequence[float | None], zone_bounds: Sequence[float]
) -> list[float]:
    """Seconds in "below zone 1" and zones 1 to 5."""
    seconds = [0.0] * 6
    for i in range(len(times) - 1):
        hr = heart_rates[i]
        step = times[i + 1] - times[i]
        if hr is None or step <= 0:
            continue
        seconds[zone_of(hr, zone_bounds)] += step
    return seconds


def _rounded(bpm: float | None) -> float | None:
    return None if bpm is None else round(bpm, 1)


def describe(zone_bounds: Sequence[float], seconds: Sequence[float] | None) -> list[dict[str, Any]]:
    """The zones as the API shows them: name, share of the reserve, bpm bounds, seconds."""
    lows = [0.0, *RESERVE_SHARES[:-1]]
    highs = list(RESERVE_SHARES)
    low_bpm: list[float | None] = [None, *zone_bounds[:-1]]
    high_bpm = list(zone_bounds)
    return [
        {
            "zone": index,
            "name": NAMES[index],
            "reserve_from": lows[index],
            "reserve_to": highs[index],
            "from_bpm": _rounded(low_bpm[index]),
            "to_bpm": round(high_bpm[index], 1),
            "seconds": None if seconds is None else round(seconds[index], 1),
        }
        for index in range(6)
    ]
