"""Google's encoded polyline format, as in Strava's ``map.summary_polyline``."""

from __future__ import annotations

import math
from collections.abc import Iterable


def encode(points: Iterable[tuple[float, float]]) -> str:
    """Encode (lat, lng) pairs with 5 decimal places."""
    out: list[str] = []
    prev_lat = prev_lng = 0
    for lat, lng in points:
        ilat, ilng = round(lat * 1e5), round(lng * 1e5)
        for delta in (ilat - prev_lat, ilng - prev_lng):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        prev_lat, prev_lng = ilat, ilng
    return "".join(out)


def loop(lat: float, lng: float, distance_m: float, points: int = 8) -> str:
    """A closed loop of about ``distance_m`` around a start point: enough for a map."""
    radius = distance_m / (2 * math.pi) / 111_320
    scale = 1 / max(math.cos(math.radians(lat)), 0.2)
    coords = [
        (
            lat + radius * (math.sin(2 * math.pi * i / points)),
            lng + radius * scale * (1 - math.cos(2 * math.pi * i / points)),
        )
        for i in range(points + 1)
    ]
    return encode(coords)
