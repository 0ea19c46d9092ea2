"""Who may read a runner's statistics."""

from __future__ import annotations

import pytest

ENDPOINTS = ["totals", "totals?period=year", "records", "summary"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
class TestStatsAccess:
    def test_another_runners_stats_are_404_as_if_they_did_not_exist(
        self, client, token, runner, other_runner, add_runs, run, endpoint
    ):
        add_runs(other_runner, run("2026-03-02T07:00:00Z", 10, 3000))
        response = client.get(
            f"/api/v1/users/{other_runner}/stats/{endpoint}", headers=token(runner=runner)
        )
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
        missing = client.get(f"/api/v1/users/999999/stats/{endpoint}", headers=token(runner=runner))
        assert missing.status_code == 404
        assert missing.json["message"] == response.json["message"].replace(
            str(other_runner), "999999"
        )

    def test_a_token_without_runs_read_is_403(self, client, token, runner, endpoint):
        response = client.get(
            f"/api/v1/users/{runner}/stats/{endpoint}",
            headers=token(runner=runner, scope="users:read reports:read"),
        )
        assert response.status_code == 403
        assert response.json["code"] == "insufficient_scope"

    def test_a_service_with_runs_read_reads_any_runner(self, client, token, runner, endpoint):
        response = client.get(
            f"/api/v1/users/{runner}/stats/{endpoint}",
            headers=token(client="strava-worker", scope="runs:read"),
        )
        assert response.status_code == 200

    def test_without_a_token_it_is_401(self, client, runner, endpoint):
        response = client.get(f"/api/v1/users/{runner}/stats/{endpoint}")
        assert response.status_code == 401
