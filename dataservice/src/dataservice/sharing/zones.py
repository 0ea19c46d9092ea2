"""Hiding a shared route's ends inside the runner's privacy zones.

Points are trimmed from the start while the point lies within any zone, and from the end
the same way; what is left is a contiguous part of the route whose first and last points
lie outside every zone (a pass by home mid-run stays: only the ends say where a runner
lives). A route entirely inside zones is no route at all. The polyline and the bounds are
made from the points kept only, so neither reveals the hidden part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dataservice.imports.track import haversine

MIN_RADIUS = 100  # m: smaller hides nothing GPS error does not already blur
MAX_RADIUS = 1_000  # m


@dataclass(frozen=True)
class Zone:
    lat: float
    lon: float
    radius: float  # metres


LatLon = tuple[float, float]


def inside(point: LatLon, zones: Sequence[Zone]) -> bool:
    """Whether ``point`` lies within (or on the edge of) any zone's circle."""
    return any(haversine(point[0], point[1], z.lat, z.lon) <= z.radius for z in zones)


def trim(points: Sequence[LatLon], zones: Sequence[Zone]) -> list[LatLon]:
    """The route without its start and end inside any zone; [] when nothing is left."""
    first = 0
    while first < len(points) and inside(points[first], zones):
        first += 1
    last = len(points)
    while last > first and inside(points[last - 1], zones):
        last -= 1
    return list(points[first:last])


def bounds(points: Sequence[LatLon]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of ``points`` (Leaflet's order), None for no point."""
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
