"""Tokens of a third-party app or a personal access token (decision 54), as the tokendealer
issues them: a runner's token (``act``) whose ``client_id`` is the app (or
``personal-token``) and whose scopes are the few a runner may grant. The dataservice's
rules for runner tokens confine them: that runner's data only, only those scopes, and
none of the operations reserved to the suite's own clients."""

from __future__ import annotations

import pytest

APP_SCOPES = "runs:read runs:write users:read reports:read"


@pytest.mark.parametrize("app_id", ["run-stats", "personal-token"])
def test_an_apps_token_reads_and_writes_its_runners_runs_only(
    app_id, client, token, runner, other_runner, run_body
):
    app = token(runner=runner, client=app_id, scope=APP_SCOPES)
    assert (
        client.post(f"/api/v1/users/{runner}/runs", json=run_body, headers=app).status_code == 201
    )
    mine = client.get(f"/api/v1/users/{runner}/runs", headers=app)
    assert mine.status_code == 200 and len(mine.json["items"]) == 1
    for method, path in (
        ("GET", f"/api/v1/users/{other_runner}/runs"),
        ("POST", f"/api/v1/users/{other_runner}/runs"),
        ("GET", f"/api/v1/users/{other_runner}"),
    ):
        body = run_body if method == "POST" else None
        answer = client.open(path, method=method, json=body, headers=app)
        assert answer.status_code == 404, (method, path, answer.json)


def test_an_app_reading_runs_cannot_write_them(client, token, runner, run_body):
    reader = token(runner=runner, client="run-stats", scope="runs:read")
    answer = client.post(f"/api/v1/users/{runner}/runs", json=run_body, headers=reader)
    assert answer.status_code == 403
    assert "runs:write" in answer.json["message"]


def test_what_is_reserved_to_the_suites_clients_stays_so_for_an_app(client, token, runner):
    # Even a token wrongly carrying the scopes: the operations name the clients they allow.
    greedy = token(runner=runner, client="run-stats", scope="users:write strava:tokens")
    password = client.put(
        f"/api/v1/users/{runner}/password", json={"password": "a-new-password"}, headers=greedy
    )
    assert password.status_code == 403
    assert client.get(f"/api/v1/users/{runner}/strava", headers=greedy).status_code == 403
