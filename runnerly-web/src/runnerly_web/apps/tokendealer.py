"""runnerly-web's calls to the tokendealer on the runner's behalf (decision 54): it is the
client trusted to act for the runners it logs in, so it authenticates as itself (HTTP Basic)
and names the runner.  The tokendealer's refusals of the request (400, 404) reach the
browser as they are; anything else is 503: the runner did nothing wrong."""

from __future__ import annotations

import logging
from typing import Any

import requests
from flask import current_app

from runnerly_common.errors import APIError
from runnerly_common.service_client import ServiceSession
from runnerly_web.dataservice_client import unavailable
from runnerly_web.extensions import settings

log = logging.getLogger(__name__)
_KEY = "runnerly_web.apps_tokendealer"


class AppsTokenDealer:
    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        # The token endpoint's server: the tokendealer's other paths are beside it.
        self.base_url = token_url.rstrip("/").removesuffix("/oauth/token")
        self.http = ServiceSession(retries=1)
        self.http.auth = (client_id, client_secret)

    def call(self, method: str, path: str, json: Any = None) -> Any:
        try:
            response = self.http.request(method, f"{self.base_url}{path}", json=json)
        except requests.RequestException as exc:
            log.warning("tokendealer unreachable: %s", exc)
            raise unavailable("the sign-in service cannot be reached; try again shortly") from None
        if response.status_code in (400, 404):
            body = _json(response)
            extra = {k: body[k] for k in ("redirect_to", "errors") if k in body}
            raise APIError(
                response.status_code,
                str(body.get("code") or "invalid_request"),
                str(body.get("message") or "the request was refused"),
                **extra,
            )
        if response.status_code >= 300:
            log.error("tokendealer answered %s to %s %s", response.status_code, method, path)
            raise unavailable("the sign-in service failed to answer; try again shortly")
        return _json(response) if response.content else None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def tokendealer() -> AppsTokenDealer:
    """The app's client, made at first use from its settings (no module state)."""
    client: AppsTokenDealer | None = current_app.extensions.get(_KEY)
    if client is None:
        config = settings()
        client = current_app.extensions[_KEY] = AppsTokenDealer(
            config.token_url, config.client_id, config.client_secret
        )
    return client
