"""Runner tokens from the real tokendealer, which asks the real dataservice about the runner
(issue 14, section 6): runnerly-web's own client, as config/clients.toml registers it."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common.service_client import RUNNER_ID_TOKEN_TYPE, TOKEN_EXCHANGE
from runnerly_common.testing.services import Tokendealer

from .conftest import make_app
from .helpers import Browser


def _exchange(tokendealer: Tokendealer, subject: str, scope: str) -> requests.Response:
    return requests.post(
        tokendealer.token_url,
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject,
            "subject_token_type": RUNNER_ID_TOKEN_TYPE,
            "audience": "dataservice",
            "scope": scope,
        },
        auth=tokendealer.client("RUNNERLY_WEB_CLIENT"),
        timeout=20,
    )


def _scope_of(response: requests.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return set(response.json()["scope"].split())


def test_a_deleted_runners_id_gets_no_token_and_is_not_given_again(
    tokendealer: Tokendealer, new_browser: Any
) -> None:
    browser: Browser = new_browser()
    runner = browser.sign_up()
    runner_id = str(runner["id"])
    assert _exchange(tokendealer, runner_id, "runs:read").status_code == 200
    # One spelling per runner: `03` was runner 3 for the tokendealer.
    assert _exchange(tokendealer, f"0{runner_id}", "runs:read").status_code == 400

    gone = browser.delete("/api/web/profile", json={"password": runner["password"]})
    assert gone.status_code == 204
    refused = _exchange(tokendealer, runner_id, "runs:read")
    assert refused.status_code == 400
    assert f"no runner {runner_id}" in refused.json()["error_description"]

    newcomer = new_browser().sign_up()
    assert newcomer["id"] > runner["id"]  # SQLite no longer hands the id out again


def test_admin_goes_only_to_an_administrator_who_asks(
    tokendealer: Tokendealer, admin: Browser, runner: dict[str, Any]
) -> None:
    admin_id = str(admin.refresh()["user"]["id"])
    assert "admin" in _scope_of(_exchange(tokendealer, admin_id, "users:read admin"))
    assert "admin" not in _scope_of(_exchange(tokendealer, admin_id, "users:read"))

    refused = _exchange(tokendealer, str(runner["id"]), "users:read admin")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_a_disabled_runner_gets_no_token(
    tokendealer: Tokendealer, admin: Browser, new_browser: Any
) -> None:
    runner = new_browser().sign_up()
    assert _exchange(tokendealer, str(runner["id"]), "runs:read").status_code == 200
    disabled = admin.patch(f"/api/web/admin/users/{runner['id']}", json={"disabled": True})
    assert disabled.status_code == 200, disabled.json
    refused = _exchange(tokendealer, str(runner["id"]), "runs:read")
    assert refused.status_code == 400
    assert "disabled" in refused.json()["error_description"]


def test_a_refused_runner_is_a_session_that_ended_not_a_failing_service(app: Flask) -> None:
    """A call on behalf of a runner the tokendealer refuses (deleted or disabled between the
    session check and the call: sessions end at once, so this is a race) is 401, as the
    dataservice's own refusal would be, not the 503 of an unreachable tokendealer."""
    from runnerly_common.errors import APIError
    from runnerly_web.extensions import dataservice

    with app.app_context(), pytest.raises(APIError) as refused:
        dataservice().call("GET", "/users/987654321", runner=987654321)
    assert (refused.value.status, refused.value.code) == (401, "not_authenticated")


def _token_requests(tokendealer: Tokendealer) -> int:
    """``POST /oauth/token`` the tokendealer has answered so far (its own /metrics)."""
    text = requests.get(f"{tokendealer.url}/metrics", timeout=10).text
    return round(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == "runnerly_http_request_duration_seconds"
            for sample in family.samples
            if sample.name.endswith("_count") and sample.labels.get("route") == "/oauth/token"
        )
    )


def test_a_runners_token_serves_every_web_process_sharing_redis(
    app: Flask, redis_url: str, tokendealer: Tokendealer
) -> None:
    """Two web processes on one Redis (decision 74): the runner's token one exchanged is the
    other's too: a runner whose requests alternate between them costs one exchange."""
    settings = app.extensions["runnerly.settings"]
    shared = type(settings)(**{**settings.__dict__, "redis_url": redis_url})
    first, second = make_app(shared), make_app(shared)
    browser = Browser(first.test_client())
    browser.sign_up()
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    other = Browser(second.test_client())
    other.client.set_cookie("session", cookie.value)

    assert browser.get("/api/web/races").status_code == 200  # the first process exchanged
    before = _token_requests(tokendealer)
    for client in (other, browser, other):
        assert client.get("/api/web/races").status_code == 200
    assert _token_requests(tokendealer) - before == 0
