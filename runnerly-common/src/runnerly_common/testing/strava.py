"""A runner linked to a strava-sim athlete, as the web app's Strava connect leaves one."""

from __future__ import annotations

import time
from typing import Any

import requests

STRAVA_SCOPE = "read,activity:read_all"  # what the web app asks Strava for


def link_strava_athlete(
    sim: requests.Session,
    sim_url: str,
    dataservice: requests.Session,
    dataservice_api: str,
    user_id: int,
    athlete: int,
    scope: str = STRAVA_SCOPE,
    *,
    timeout: float | tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Link dataservice runner ``user_id`` to strava-sim athlete ``athlete``, as the web
    app's Strava connect leaves it; strava-sim's grant (its token pair) is returned.

    Benchmarks and tests have no browser to click through Strava's consent, so strava-sim's
    admin grant stands in for it; what the dataservice is then given is what runnerly-web
    stores after a real consent (``PUT /users/{id}/strava``, ``expires_at`` as ISO time
    where Strava answers epoch seconds), so the worker syncs such a runner as it would a
    real one. The sessions carry the callers' auth: ``sim`` any admin header strava-sim
    wants, ``dataservice`` a token with the worker's scopes. ``dataservice_api`` is the
    dataservice's base URL with its ``/api/v1``. ``timeout`` None leaves each session's
    own (a ``ServiceSession``'s default). A refused grant raises ``requests.HTTPError``; a
    refused link raises ``RuntimeError`` naming the runner and the dataservice's answer.
    """
    limit: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    grant = sim.post(f"{sim_url}/admin/athletes/{athlete}/grant", json={"scope": scope}, **limit)
    grant.raise_for_status()
    pair: dict[str, Any] = grant.json()
    expires_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(pair["expires_at"]))
    answer = dataservice.put(
        f"{dataservice_api}/users/{user_id}/strava",
        json={
            "athlete_id": athlete,
            "access_token": pair["access_token"],
            "refresh_token": pair["refresh_token"],
            "expires_at": expires_at,
            "scopes": scope,
        },
        **limit,
    )
    if answer.status_code not in (200, 201):
        raise RuntimeError(
            f"linking runner {user_id} to athlete {athlete}: "
            f"{answer.status_code} {answer.text[:300]}"
        )
    return pair
