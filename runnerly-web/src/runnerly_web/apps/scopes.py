"""What each scope an app may ask for lets it do, in the runner's words (the consent page
and the profile's apps list)."""

from __future__ import annotations

from typing import Any

DESCRIPTIONS = {
    "runs:read": "See your runs: dates, distances, times, routes and heart rate",
    "runs:write": "Add, change and delete your runs",
    "users:read": "See your profile: name, email, units and training figures",
    "reports:read": "See your monthly reports",
}


def described(scopes: list[str]) -> list[dict[str, Any]]:
    return [
        {"scope": s, "description": DESCRIPTIONS.get(s, f"Use the “{s}” permission")}
        for s in scopes
    ]
