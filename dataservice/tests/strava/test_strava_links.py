"""Strava links: tokens encrypted at rest, reachable by the worker and the web app only."""

from __future__ import annotations

from sqlalchemy import text

LINK = {
    "athlete_id": 777,
    "access_token": "access-abc",
    "refresh_token": "refresh-xyz",
    "expires_at": "2026-11-28T12:00:00Z",
    "scopes": "read,activity:read_all",
}


def _put(client, token, runner, body=None, client_id="strava-worker"):
    return client.put(
        f"/api/v1/users/{runner}/strava",
        json=body or LINK,
        headers=token(client=client_id, scope="strava:tokens"),
    )


class TestStravaLink:
    def test_the_worker_stores_and_reads_back_tokens_that_are_encrypted_at_rest(
        self, client, token, runner, db
    ):
        assert _put(client, token, runner).status_code == 201
        stored = db.execute(text("SELECT access_token, refresh_token FROM strava_links")).one()
        assert "access-abc" not in stored[0] and "refresh-xyz" not in stored[1]
        link = client.get(
            f"/api/v1/users/{runner}/strava",
            headers=token(client="strava-worker", scope="strava:tokens"),
        ).json
        assert link["access_token"] == "access-abc"
        assert link["sync_state"] == "pending"

    def test_refreshed_tokens_and_sync_progress_are_stored(self, client, token, runner):
        _put(client, token, runner)
        update = {
            "access_token": "new-a",
            "refresh_token": "new-r",
            "expires_at": "2026-11-28T18:00:00Z",
            "sync_state": "backfilling",
            "pages_done": 3,
            "runs_imported": 412,
        }
        response = client.patch(
            f"/api/v1/users/{runner}/strava",
            json=update,
            headers=token(client="strava-worker", scope="strava:tokens"),
        )
        assert response.status_code == 200
        assert response.json["refresh_token"] == "new-r"
        assert response.json["pages_done"] == 3

    def test_a_new_access_token_without_its_refresh_token_is_refused(self, client, token, runner):
        _put(client, token, runner)
        response = client.patch(
            f"/api/v1/users/{runner}/strava",
            json={"access_token": "a"},
            headers=token(client="strava-worker", scope="strava:tokens"),
        )
        assert response.status_code == 400

    def test_another_client_with_the_scope_still_may_not_read_tokens(self, client, token, runner):
        _put(client, token, runner)
        response = client.get(
            f"/api/v1/users/{runner}/strava",
            headers=token(client="reporter", scope="strava:tokens"),
        )
        assert response.status_code == 403

    def test_one_athlete_links_to_one_runner_only(
        self, client, token, runner, other_runner, snapshot
    ):
        _put(client, token, runner)
        before = snapshot()
        response = _put(client, token, other_runner)
        assert response.status_code == 409
        assert response.json["errors"][0]["field"] == "athlete_id"
        assert snapshot() == before

    def test_unlinking_keeps_the_runs(self, client, token, runner):
        _put(client, token, runner)
        client.post(
            f"/api/v1/users/{runner}/runs/batch",
            headers=token(client="strava-worker", scope="runs:write"),
            json={
                "runs": [
                    {
                        "source": "strava",
                        "external_id": "1",
                        "start_time": "2026-01-01T00:00:00Z",
                        "distance": 1000,
                        "moving_time": 300,
                        "elapsed_time": 300,
                    }
                ]
            },
        )
        deleted = client.delete(
            f"/api/v1/users/{runner}/strava",
            headers=token(client="strava-worker", scope="strava:tokens"),
        )
        assert deleted.status_code == 204
        runs = client.get(f"/api/v1/users/{runner}/runs", headers=token(runner=runner)).json
        assert runs["total"] == 1

    def test_the_worker_finds_the_runner_of_an_athlete(self, client, token, runner):
        _put(client, token, runner)
        found = client.get(
            "/api/v1/strava/links?athlete_id=777",
            headers=token(client="strava-worker", scope="strava:tokens"),
        ).json
        assert [item["user_id"] for item in found["items"]] == [runner]
        assert "access_token" not in found["items"][0]
