"""Strava's OAuth, from the web app's side: the authorize URL, the code exchange, and
deauthorization.  All addresses are settings, so strava-sim stands in for Strava."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests

from runnerly_common.service_client import CookielessSession
from runnerly_web.dataservice_client import DataService

log = logging.getLogger(__name__)
REQUESTED_SCOPE = "read,activity:read_all"
# Either lets the worker read runs (activity:read: the public ones only).
ACTIVITY_SCOPES = ("activity:read_all", "activity:read")


class StravaError(RuntimeError):
    """Strava refused or could not be reached."""


class StravaOAuth:
    def __init__(
        self,
        oauth_url: str,
        client_id: str,
        client_secret: str,
        dataservice: DataService,
        http: requests.Session | None = None,
    ) -> None:
        self.oauth_url = oauth_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.dataservice = dataservice
        # One client for every runner: no cookie of one runner's answer goes with the next.
        self.http = http or CookielessSession()

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "approval_prompt": "auto",
            "scope": REQUESTED_SCOPE,
            "state": state,
        }
        return f"{self.oauth_url}/authorize?{urlencode(query, safe=',:/')}"

    def exchange(self, code: str) -> dict[str, Any]:
        """The token pair (and athlete) for an authorization code."""
        return self._post(
            "/token",
            {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "code": code,
                "grant_type": "authorization_code",
            },
        )

    def link(self, user_id: int, grant: dict[str, Any], scopes: str) -> dict[str, Any]:
        """Store the tokens through the dataservice (it encrypts them at rest)."""
        linked: dict[str, Any] = self.dataservice.json(
            "PUT",
            f"/users/{user_id}/strava",
            json={"athlete_id": int(grant["athlete"]["id"]), **_tokens(grant, scopes)},
        )
        return linked

    def keep_owner_working(self, grant: dict[str, Any], scopes: str) -> int | None:
        """The athlete of ``grant`` is linked to another runner: store the grant's tokens on
        that runner's link, and return that runner's id (None if the link is gone).

        Exchanging the code gave the athlete a new refresh token and Strava (strava-sim
        too) refuses the old one from then on: the owner's stored pair would fail at its
        next refresh.  These tokens are the athlete's newest, so they go to the owner.
        Their scopes are now the authorization's at Strava, fewer or more than before, so
        they replace the owner's (the callback refused a grant without an activity scope
        before exchanging it, so the owner can still sync)."""
        athlete_id = int(grant["athlete"]["id"])
        page = self.dataservice.json("GET", "/strava/links", params={"athlete_id": athlete_id})
        owners = [item["user_id"] for item in page.get("items", [])]
        if not owners:
            return None
        owner = int(owners[0])
        self.dataservice.call("PATCH", f"/users/{owner}/strava", json=_tokens(grant, scopes))
        return owner

    def link_of(self, user_id: int) -> dict[str, Any] | None:
        response = self.dataservice.call("GET", f"/users/{user_id}/strava", allow=(404,))
        return None if response.status_code == 404 else response.json()

    def forget(self, user_id: int) -> bool:
        """Deauthorize at Strava (best effort) and delete the link; the runs stay.
        False when there was no link."""
        link = self.link_of(user_id)
        if link is None:
            return False
        try:
            self._deauthorize(link)
        except StravaError as exc:
            # The link goes anyway: the runner asked to disconnect, and a stale grant on
            # Strava's side is theirs to revoke there.  The worker stops using it now.
            log.warning("Strava deauthorization for runner %s failed: %s", user_id, exc)
        self.dataservice.call("DELETE", f"/users/{user_id}/strava", allow=(404,))
        return True

    def _deauthorize(self, link: dict[str, Any]) -> None:
        access_token = link.get("access_token", "")
        expires_at = datetime.fromisoformat(link["expires_at"].replace("Z", "+00:00"))
        if expires_at <= datetime.now(UTC) and link.get("refresh_token"):
            refreshed = self._post(
                "/token",
                {
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "refresh_token": link["refresh_token"],
                    "grant_type": "refresh_token",
                },
            )
            access_token = refreshed["access_token"]
        self._post("/deauthorize", {"access_token": access_token})

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.http.post(f"{self.oauth_url}{path}", data=form, timeout=(3.05, 10))
        except requests.RequestException as exc:
            raise StravaError(f"Strava unreachable: {exc}") from exc
        if response.status_code != 200:
            raise StravaError(f"Strava answered {response.status_code}: {response.text[:200]}")
        try:
            result: dict[str, Any] = response.json()
            return result
        except ValueError:
            raise StravaError("Strava answered with something other than JSON") from None


def _tokens(grant: dict[str, Any], scopes: str) -> dict[str, str]:
    """A Strava token answer as the dataservice stores it (``expires_at`` as ISO time)."""
    expires_at = datetime.fromtimestamp(int(grant["expires_at"]), UTC)
    return {
        "access_token": grant["access_token"],
        "refresh_token": grant["refresh_token"],
        "expires_at": expires_at.isoformat().replace("+00:00", "Z"),
        "scopes": scopes,
    }


def missing_scope(granted: str) -> bool:
    return not set(granted.split(",")) & set(ACTIVITY_SCOPES)
