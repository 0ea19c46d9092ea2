"""The data athletes are drawn from: names, home towns and activity texts."""

from __future__ import annotations

from typing import NamedTuple


class Place(NamedTuple):
    city: str
    country: str
    lat: float
    lng: float
    zone: str
    altitude: float


PLACES = (
    Place("Paris", "France", 48.8566, 2.3522, "Europe/Paris", 35),
    Place("London", "United Kingdom", 51.5074, -0.1278, "Europe/London", 20),
    Place("Boulder", "United States", 40.0150, -105.2705, "America/Denver", 1650),
    Place("Berlin", "Germany", 52.5200, 13.4050, "Europe/Berlin", 40),
    Place("Melbourne", "Australia", -37.8136, 144.9631, "Australia/Melbourne", 30),
    Place("Nairobi", "Kenya", -1.2921, 36.8219, "Africa/Nairobi", 1795),
    Place("Tokyo", "Japan", 35.6762, 139.6503, "Asia/Tokyo", 40),
    Place("Portland", "United States", 45.5152, -122.6784, "America/Los_Angeles", 15),
)
FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Camille", "Noor", "Kenji", "Amara", "Lena", "Mateo", "Priya",
    "Tomás", "Ingrid", "Kofi", "Mei", "Olivia", "Yusuf", "Elena", "Finn", "Aiko", "Ruth",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Okafor", "Schmidt", "Tanaka", "Dubois", "Kiptoo", "Silva", "Novak", "Larsen",
    "Moreau", "Walker", "Haddad", "Rossi", "Nguyen", "Keller", "Mbeki", "Costa", "Berg",
)  # fmt: skip
DESCRIPTIONS = (
    "Legs felt heavy for the first 3 km, then settled in.",
    "Easy effort, kept the heart rate in zone 2.",
    "Windy along the river. Negative split!",
    "Ran with the club. Great company.",
    "New shoes, first run in them.",
    "Hot and humid, took it easy.",
    "Felt strong on the hills today.",
    "Recovery run after yesterday's session.",
    "Rain the whole way, loved it.",
    "Steady progression, last 2 km at tempo.",
)
WORKOUTS = ("6x800m intervals", "Tempo run", "5x1km @ threshold", "Hill repeats", "Fartlek")
RACES = {5000.0: "Parkrun", 10000.0: "10K race", 21097.5: "Half Marathon", 42195.0: "Marathon"}


def part_of_day(hour: int) -> str:
    """Strava's default title for an activity starting at this local hour."""
    if 5 <= hour < 11:
        return "Morning"
    if 11 <= hour < 14:
        return "Lunch"
    if 14 <= hour < 18:
        return "Afternoon"
    if 18 <= hour < 22:
        return "Evening"
    return "Night"
