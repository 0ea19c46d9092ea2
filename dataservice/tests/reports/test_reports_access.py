"""Who may read a runner's monthly report, and which months exist."""

from __future__ import annotations

import pytest


def test_another_runners_report_is_404_as_if_they_did_not_exist(
    client, token, runner, other_runner, add_runs, run
):
    add_runs(other_runner, run("2026-03-02T07:00:00Z", 10, 3000))
    response = client.get(
        f"/api/v1/users/{other_runner}/reports/2026/3", headers=token(runner=runner)
    )
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_an_unknown_runner_is_404(client, token):
    response = client.get(
        "/api/v1/users/999999/reports/2026/3",
        headers=token(client="strava-worker", scope="reports:read"),
    )
    assert response.status_code == 404


def test_a_token_without_reports_read_is_403(client, token, runner):
    response = client.get(
        f"/api/v1/users/{runner}/reports/2026/3", headers=token(runner=runner, scope="runs:read")
    )
    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"


def test_the_worker_sending_monthly_emails_reads_any_runners_report(client, token, runner):
    response = client.get(
        f"/api/v1/users/{runner}/reports/2026/3",
        headers=token(client="strava-worker", scope="reports:read"),
    )
    assert response.status_code == 200
    assert response.json["runner_id"] == runner


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("2026/13", "path.month"),
        ("2026/0", "path.month"),
        ("1969/12", "path.year"),
        ("2026/x", "path.month"),
    ],
)
def test_a_month_that_does_not_exist_is_400_naming_it(client, token, runner, path, field):
    response = client.get(f"/api/v1/users/{runner}/reports/{path}", headers=token(runner=runner))
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json["errors"]]
