"""A small Strava API v3 client on ``requests``.

Not stravalib: it hard-codes www.strava.com, puts the token in the query string and sleeps
until a rate window resets.  Here the base URLs are configuration, every API call first
reserves a slot in the shared :class:`~strava_worker.budget.RateBudget`, and failures are
typed so the task can decide: retry later, refresh the token, or unlink the runner.
No HTTP-level retries: each retry would spend budget the reservation did not count.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from runnerly_common.service_client import CookielessSession
from strava_worker.budget import OutOfBudget, RateBudget


class StravaError(Exception):
    """Any failure talking to Strava."""


class RateLimited(OutOfBudget, StravaError):
    """Strava answered 429 (or our budget predicts it would): try again at ``retry_at``."""


class Unauthorized(StravaError):
    """401: the access token expired or the athlete revoked access."""


class NotFound(StravaError):
    """404: the activity is gone (or private to us now)."""


class ServerError(StravaError):
    """5xx or no (usable) answer: transient, retry with backoff.  For a token refresh it
    means "unknown": Strava may have rotated the refresh token or not."""


class Refused(StravaError):
    """Another 4xx to an API call (403...): asking again would get the same answer."""


class OAuthRefused(StravaError):
    """The token endpoint refused the refresh token: access was revoked, or Strava rotated
    it in an answer that never arrived.  Either way only the runner can mend it."""


class StravaClient:
    def __init__(
        self,
        api_url: str,
        oauth_url: str,
        client_id: str,
        client_secret: str,
        budget: RateBudget,
        http: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 15),
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.budget = budget
        # One client syncs every runner: no cookie of one runner's answer goes with the next.
        self.http = http or CookielessSession()
        self.timeout = timeout

    def list_activities(
        self,
        token: str,
        *,
        before: int | None = None,
        after: int | None = None,
        page: int = 1,
        per_page: int = 200,
    ) -> list[dict[str, Any]]:
        """One page of the athlete's activities (SummaryActivity), newest first."""
        params = {"page": page, "per_page": per_page, "before": before, "after": after}
        page_of: list[dict[str, Any]] = self._get(
            token, "/athlete/activities", {k: v for k, v in params.items() if v}
        )
        return page_of

    def get_activity(self, token: str, activity_id: int) -> dict[str, Any]:
        activity: dict[str, Any] = self._get(token, f"/activities/{int(activity_id)}", {})
        return activity

    def get_streams(
        self, token: str, activity_id: int, keys: tuple[str, ...]
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """The activity's streams keyed by type (a stream it does not have is left out)."""
        params = {"keys": ",".join(keys), "key_by_type": "true"}
        streams: dict[str, Any] | list[dict[str, Any]] = self._get(
            token, f"/activities/{int(activity_id)}/streams", params
        )
        return streams

    def get_gear(self, token: str, gear_id: str) -> dict[str, Any]:
        """DetailedGear: the athlete's shoes (or bike) by Strava's id; NotFound when gone."""
        gear: dict[str, Any] = self._get(token, f"/gear/{quote(gear_id, safe='')}", {})
        return gear

    def get_athlete(self, token: str) -> dict[str, Any]:
        """The athlete of ``token``: the cheapest call that proves the token works."""
        athlete: dict[str, Any] = self._get(token, "/athlete", {})
        return athlete

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A new token pair; the old refresh token may be invalid from now on."""
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            response = self.http.post(f"{self.oauth_url}/token", data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServerError(f"Strava OAuth unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ServerError(f"Strava OAuth answered {response.status_code}")
        if response.status_code != 200:
            problem = f"refresh refused ({response.status_code}): {response.text[:200]}"
            if _refuses_refresh_token(response):
                raise OAuthRefused(problem)
            # Our application's credentials or request, not the athlete's grant: unlinking
            # every runner over a wrong secret would be the wrong answer.
            raise StravaError(problem)
        pair = _token_pair(response)
        if pair is None:  # a proxy's page, a cut answer: Strava may have rotated the token
            raise ServerError(f"Strava OAuth answered 200 without a pair ({_shape(response)})")
        return pair

    def _get(self, token: str, path: str, params: dict[str, Any]) -> Any:
        self.budget.reserve()
        try:
            response = self.http.get(
                self.api_url + path,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ServerError(f"Strava unreachable: {exc}") from exc
        self.budget.observe(response.headers)
        status = response.status_code
        if status == 429:
            spent = self.budget.exhausted(response.headers)
            raise RateLimited(spent.retry_at, daily=spent.daily)
        if status == 401:
            raise Unauthorized(response.text[:200])
        if status == 404:
            raise NotFound(path)
        if status >= 500:
            raise ServerError(f"Strava answered {status} on {path}")
        if status != 200:
            raise Refused(f"Strava answered {status} on {path}: {response.text[:200]}")
        return response.json()


def _refuses_refresh_token(response: requests.Response) -> bool:
    """Strava's answer to a revoked or unknown refresh token: 400 naming the token
    (``{"errors": [{"resource": "RefreshToken", "field": "refresh_token", ...}]}``)."""
    if response.status_code != 400:
        return False
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any(
        isinstance(e, dict)
        and (e.get("resource") == "RefreshToken" or e.get("field") == "refresh_token")
        for e in errors
    )


def _shape(response: requests.Response) -> str:
    """What an answer held, without its values: it may hold a token (this ends in a log)."""
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type") or "no content type"
        return f"{kind}, {len(response.content)} bytes"
    if isinstance(body, dict):
        return "fields: " + (", ".join(sorted(map(str, body))) or "none")
    return f"a JSON {type(body).__name__}"


def _token_pair(response: requests.Response) -> dict[str, Any] | None:
    try:
        pair = response.json()
    except ValueError:
        return None
    if not isinstance(pair, dict):
        return None
    tokens = (pair.get("access_token"), pair.get("refresh_token"))
    expires = pair.get("expires_at")
    if not all(isinstance(t, str) and t for t in tokens) or isinstance(expires, bool):
        return None
    return pair if isinstance(expires, int) else None
