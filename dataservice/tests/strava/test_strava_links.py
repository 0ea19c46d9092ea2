"""Strava links: tokens encrypted at rest, reachable by the worker and the web app only."""

from __future__ import annotations

import pytest
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


def _patch(client, token, runner, body):
    return client.patch(
        f"/api/v1/users/{runner}/strava",
        json=body,
        headers=token(client="strava-worker", scope="strava:tokens"),
    )


PROGRESS = {
    "sync_state": "backfilling",
    "sync_cursor": "2026-11-20T07:00:00+00:00",
    "backfill_before": "2025-06-01T06:00:00+00:00",
    "backfill_after": "2024-01-05T06:00:00+00:00",
    "backfill_page": 7,
    "reconciled_at": "2026-11-27T03:00:00+00:00",
    "pages_done": 6,
    "runs_imported": 1100,
}


class TestPagingAndReconciliationFields:
    def test_a_new_link_starts_at_page_one_never_reconciled(self, client, token, runner):
        link = _put(client, token, runner).json
        assert link["backfill_page"] == 1
        assert link["backfill_after"] is None and link["reconciled_at"] is None

    def test_the_worker_stores_and_reads_back_its_paging_state(self, client, token, runner):
        _put(client, token, runner)
        response = _patch(client, token, runner, PROGRESS)
        assert response.status_code == 200, response.json
        link = client.get(
            f"/api/v1/users/{runner}/strava",
            headers=token(client="strava-worker", scope="strava:tokens"),
        ).json
        assert {k: link[k] for k in PROGRESS} == PROGRESS
        listed = client.get(
            "/api/v1/strava/links?athlete_id=777",
            headers=token(client="strava-worker", scope="strava:tokens"),
        ).json["items"][0]
        assert listed["backfill_page"] == 7 and listed["reconciled_at"] == PROGRESS["reconciled_at"]

    @pytest.mark.parametrize(
        "body",
        [{"backfill_page": 0}, {"backfill_page": 1_000_001}, {"backfill_page": None}],
        ids=["zero", "too-far", "null"],
    )
    def test_a_page_out_of_range_is_400_and_nothing_changes(
        self, client, token, runner, snapshot, body
    ):
        _put(client, token, runner)
        before = snapshot()
        response = _patch(client, token, runner, body)
        assert response.status_code == 400
        assert response.json["errors"][0]["field"] == "body.backfill_page"
        assert snapshot() == before


class TestConnectingAgain:
    def test_a_link_strava_refused_is_marked_for_reconnection_and_kept(self, client, token, runner):
        _put(client, token, runner)
        _patch(client, token, runner, PROGRESS)
        response = _patch(
            client,
            token,
            runner,
            {"sync_state": "reconnect", "sync_error": "Strava refused the refresh token (400)"},
        )
        assert response.status_code == 200, response.json
        assert response.json["sync_state"] == "reconnect"
        assert response.json["backfill_page"] == 7

    @pytest.mark.parametrize("state", ["reconnect", "error", "deauthorized"])
    def test_the_same_athlete_again_resumes_where_the_sync_stopped(
        self, client, token, runner, state
    ):
        _put(client, token, runner)
        _patch(client, token, runner, {**PROGRESS, "sync_state": state, "sync_error": "refused"})
        again = _put(client, token, runner, {**LINK, "access_token": "a2", "refresh_token": "r2"})
        assert again.status_code == 200
        link = again.json
        assert link["sync_state"] == "pending" and link["sync_error"] is None
        assert {k: link[k] for k in PROGRESS if k != "sync_state"} == {
            k: v for k, v in PROGRESS.items() if k != "sync_state"
        }
        assert (link["access_token"], link["refresh_token"]) == ("a2", "r2")

    def test_the_same_athlete_again_during_a_sync_leaves_its_state(self, client, token, runner):
        _put(client, token, runner)
        _patch(client, token, runner, PROGRESS)
        assert _put(client, token, runner).json["sync_state"] == "backfilling"

    def test_another_athlete_starts_over(self, client, token, runner):
        _put(client, token, runner)
        _patch(client, token, runner, {**PROGRESS, "sync_state": "reconnect", "sync_error": "x"})
        link = _put(client, token, runner, {**LINK, "athlete_id": 778}).json
        assert link["athlete_id"] == 778
        assert link["sync_state"] == "pending" and link["sync_error"] is None
        assert (link["pages_done"], link["runs_imported"], link["backfill_page"]) == (0, 0, 1)
        for field in ("sync_cursor", "backfill_before", "backfill_after", "reconciled_at"):
            assert link[field] is None, field
