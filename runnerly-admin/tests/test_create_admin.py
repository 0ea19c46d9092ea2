"""``runnerly create-admin``: an administrator who can log in to the dashboard."""

from __future__ import annotations

import json

import pytest
from helpers import one_line

from dataservice.users import service as users

PASSWORD = "correct horse battery staple"


def _check(db, email, password):
    """What runnerly-web's login asks the dataservice (POST /auth/password-check)."""
    return users.check_password(db, email, password)


class TestCreateAdmin:
    def test_a_new_admin_can_log_in_with_the_password_given_on_stdin(self, runnerly, db):
        result = runnerly(
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Grace Hopper",
            "--password-stdin",
            input=PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["created"] is True
        assert out["is_admin"] is True and out["has_password"] is True
        user = _check(db, "boss@example.org", PASSWORD)
        assert user is not None and user.id == out["id"]
        assert user.is_admin
        assert (user.first_name, user.last_name) == ("Grace", "Hopper")

    def test_an_existing_runner_becomes_admin_and_keeps_their_password(
        self, runnerly, db, make_runner
    ):
        runner = make_runner(email="ada@example.org", password="her own password 42")
        result = runnerly("create-admin", "--email", "ada@example.org")
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert (out["id"], out["created"], out["is_admin"]) == (runner, False, True)
        user = _check(db, "ada@example.org", "her own password 42")
        assert user is not None and user.is_admin

    def test_an_existing_runner_given_a_password_can_log_in_with_it(
        self, runnerly, db, make_runner
    ):
        make_runner(email="ada@example.org")  # signed up through Strava: no password
        result = runnerly(
            "create-admin", "--email", "ada@example.org", "--password-stdin", input=PASSWORD
        )
        assert result.exit_code == 0, result.output
        assert _check(db, "ada@example.org", PASSWORD).is_admin

    def test_running_it_again_changes_nothing(self, runnerly, snapshot):
        args = ("create-admin", "--email", "boss@example.org", "--password-stdin")
        assert runnerly(*args, input=PASSWORD).exit_code == 0
        before = snapshot()
        again = runnerly("create-admin", "--email", "boss@example.org")
        assert again.exit_code == 0
        assert json.loads(again.stdout)["created"] is False
        assert snapshot() == before

    def test_a_new_admin_without_a_password_is_refused_and_nothing_is_written(
        self, runnerly, snapshot
    ):
        before = snapshot()
        result = runnerly("create-admin", "--email", "boss@example.org")
        assert result.exit_code == 2
        assert "--password-stdin" in result.stderr
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("password", "problem"),
        [("short", "at least 10 characters"), ("boss@example.org", "not be the email")],
        ids=["too-short", "the-email"],
    )
    def test_a_weak_password_is_refused_and_nothing_is_written(
        self, runnerly, snapshot, password, problem
    ):
        before = snapshot()
        result = runnerly(
            "create-admin", "--email", "boss@example.org", "--password-stdin", input=password
        )
        assert result.exit_code == 2
        assert problem in result.stderr
        assert snapshot() == before

    def test_a_malformed_email_is_refused(self, runnerly, snapshot):
        before = snapshot()
        result = runnerly("create-admin", "--email", "boss", "--password-stdin", input=PASSWORD)
        assert result.exit_code == 2
        assert "not an email address" in result.stderr
        assert snapshot() == before

    def test_an_unmigrated_database_says_to_migrate(self, runnerly, tmp_path):
        result = runnerly(
            "create-admin",
            "--email",
            "boss@example.org",
            DATASERVICE_DATABASE_URL=f"sqlite:///{tmp_path}/empty.db",
        )
        assert result.exit_code == 1
        assert "dataservice migrate" in one_line(result)
