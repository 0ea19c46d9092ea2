"""Strava's scopes and the checks on what an application asks for."""

from __future__ import annotations

from urllib.parse import urlsplit

from strava_sim.errors import bad_request

SCOPES = (
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
)
LABELS = {
    "read": "View data about your public profile (required)",
    "read_all": "View data about your private routes, segments and events",
    "profile:read_all": "View your complete profile",
    "profile:write": "Update your weight and Functional Threshold Power",
    "activity:read": "View data about your activities",
    "activity:read_all": "View data about your private activities",
    "activity:write": "Upload activities and edit them",
}
REQUIRED = "read"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}


def parse(raw: str | None) -> list[str]:
    """Comma-separated scopes (Strava's separator), in canonical order; unknown ones are
    a 400 naming ``scope``; none asked means ``read``."""
    asked = [s.strip() for s in (raw or "").split(",") if s.strip()]
    unknown = [s for s in asked if s not in SCOPES]
    if unknown:
        raise bad_request("Authorize", "scope")
    return [s for s in SCOPES if s in asked] or [REQUIRED]


def join(scopes: list[str] | set[str]) -> str:
    return ",".join(s for s in SCOPES if s in scopes)


def allows_activities(scope: str, private: bool) -> bool:
    """activity:read_all sees everything; activity:read only what is not private."""
    granted = set(scope.split(","))
    if "activity:read_all" in granted:
        return True
    return "activity:read" in granted and not private


def check_redirect_uri(uri: str | None) -> str:
    """The sim's callback domain is the local machine, over http or https."""
    parts = urlsplit(uri or "")
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        raise bad_request("Application", "redirect_uri")
    return uri  # type: ignore[return-value]
