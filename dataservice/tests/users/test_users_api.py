"""Runners' accounts through /api/v1/users."""

from __future__ import annotations

import pytest

PASSWORD = "correct horse battery"


def _create(client, token, **body):
    body = {"email": "ada@example.org", "password": PASSWORD, "first_name": "Ada", **body}
    return client.post("/api/v1/users", json=body, headers=token(scope="users:write"))


class TestCreateUser:
    def test_a_service_creates_a_runner_without_exposing_the_password(self, client, token):
        response = _create(client, token)
        assert response.status_code == 201
        body = response.json
        assert body["email"] == "ada@example.org"
        assert body["has_password"] is True
        assert "password" not in body and "password_hash" not in body

    def test_emails_are_unique_whatever_their_case(self, client, token, snapshot):
        _create(client, token)
        before = snapshot()
        response = _create(client, token, email="ADA@Example.org")
        assert response.status_code == 409
        assert response.json["errors"][0]["field"] == "email"
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": 42}, "body.email"),
            ({"password": "short"}, "body.password"),
            ({"age": -3}, "body.age"),
            ({"weight": "heavy"}, "body.weight"),
            ({"role": "admin"}, "body.role"),
        ],
    )
    def test_bad_input_is_400_naming_the_field_and_nothing_is_stored(
        self, client, token, snapshot, body, field
    ):
        before = snapshot()
        response = _create(client, token, **body)
        assert response.status_code == 400
        assert field in [e["field"] for e in response.json["errors"]]
        assert snapshot() == before

    def test_only_an_administrator_creates_an_administrator(self, client, token, runner):
        response = client.post(
            "/api/v1/users",
            json={"email": "b@x.org", "is_admin": True},
            headers=token(runner=runner, scope="users:write admin"),
        )
        assert response.status_code == 403

    def test_a_token_without_users_write_is_403(self, client, token):
        response = client.post(
            "/api/v1/users", json={"email": "b@x.org"}, headers=token(scope="users:read")
        )
        assert response.status_code == 403
        assert response.json["code"] == "insufficient_scope"


class TestReadAndChange:
    def test_a_runner_reads_and_changes_their_profile(self, client, token, runner):
        response = client.patch(
            f"/api/v1/users/{runner}",
            json={"weight": 61.5, "units": "imperial"},
            headers=token(runner=runner),
        )
        assert response.status_code == 200
        again = client.get(f"/api/v1/users/{runner}", headers=token(runner=runner))
        assert again.json["weight"] == 61.5
        assert again.json["units"] == "imperial"

    def test_a_runner_cannot_make_themselves_admin(self, client, token, runner, snapshot):
        before = snapshot()
        response = client.patch(
            f"/api/v1/users/{runner}", json={"is_admin": True}, headers=token(runner=runner)
        )
        assert response.status_code == 403
        assert snapshot() == before

    def test_an_admin_disables_a_runner_whose_token_then_stops_working(
        self, client, token, make_runner
    ):
        admin, runner = make_runner(is_admin=True), make_runner()
        response = client.patch(
            f"/api/v1/users/{runner}",
            json={"disabled": True},
            headers=token(runner=admin, scope="users:write admin"),
        )
        assert response.status_code == 200
        assert (
            client.get(f"/api/v1/users/{runner}", headers=token(runner=runner)).status_code == 403
        )

    def test_an_admin_enables_a_disabled_runner_again(self, client, token, make_runner):
        admin, runner = make_runner(is_admin=True), make_runner(disabled=True)
        as_admin = token(runner=admin, scope="users:read users:write admin")
        assert client.get(f"/api/v1/users/{runner}", headers=as_admin).json["disabled"] is True
        response = client.patch(
            f"/api/v1/users/{runner}", json={"disabled": False}, headers=as_admin
        )
        assert response.status_code == 200
        assert (
            client.get(f"/api/v1/users/{runner}", headers=token(runner=runner)).status_code == 200
        )

    def test_a_disabled_admin_cannot_enable_themselves(self, client, token, make_runner):
        admin = make_runner(is_admin=True, disabled=True)
        response = client.patch(
            f"/api/v1/users/{admin}",
            json={"disabled": False},
            headers=token(runner=admin, scope="users:write admin"),
        )
        assert response.status_code == 403

    def test_listing_runners_needs_an_administrator(self, client, token, make_runner):
        runner, admin = make_runner(), make_runner(is_admin=True)
        assert client.get("/api/v1/users", headers=token(runner=runner)).status_code == 403
        listed = client.get(
            "/api/v1/users?per_page=1", headers=token(runner=admin, scope="users:read admin")
        )
        assert listed.status_code == 200
        assert listed.json["total"] == 2 and len(listed.json["items"]) == 1

    def test_a_service_finds_a_runner_by_email(self, client, token, make_runner):
        make_runner(email="Zoe@Example.org")
        found = client.get("/api/v1/users?email=zoe@example.org", headers=token(scope="users:read"))
        assert [u["email"] for u in found.json["items"]] == ["Zoe@Example.org"]

    def test_deleting_a_runner_deletes_their_runs(self, client, token, runner, db):
        from dataservice.runs.models import Run

        client.post(
            f"/api/v1/users/{runner}/runs",
            headers=token(runner=runner),
            json={
                "start_time": "2026-01-01T08:00:00Z",
                "distance": 5000,
                "moving_time": 1500,
                "elapsed_time": 1500,
            },
        )
        response = client.delete(f"/api/v1/users/{runner}", headers=token(runner=runner))
        assert response.status_code == 204
        assert db.query(Run).count() == 0
        assert (
            client.get(f"/api/v1/users/{runner}", headers=token(scope="users:read")).status_code
            == 404
        )


class TestPasswordCheck:
    def _check(self, client, token, email, password, client_id="runnerly-web"):
        return client.post(
            "/api/v1/auth/password-check",
            json={"email": email, "password": password},
            headers=token(client=client_id, scope="users:read"),
        )

    def test_runnerly_web_checks_a_password(self, client, token):
        _create(client, token)
        ok = self._check(client, token, "ADA@example.org", PASSWORD)
        assert ok.status_code == 200 and ok.json["valid"] is True
        assert ok.json["user"]["email"] == "ada@example.org"
        assert self._check(client, token, "ada@example.org", "wrong password!").json == {
            "valid": False
        }
        assert self._check(client, token, "nobody@example.org", PASSWORD).json == {"valid": False}

    def test_no_other_client_may_check_passwords(self, client, token):
        _create(client, token)
        response = self._check(
            client, token, "ada@example.org", PASSWORD, client_id="strava-worker"
        )
        assert response.status_code == 403

    def test_a_disabled_runner_cannot_log_in(self, client, token, make_runner):
        make_runner(email="off@example.org", password=PASSWORD, disabled=True)
        assert self._check(client, token, "off@example.org", PASSWORD).json == {"valid": False}
