"""Email preferences: the runner reads and changes their own, the worker reads the token
of the one-click unsubscribe link and lists who wants the report, and the web app
switches the report off (or on) by that token alone."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event

WORKER_READ = {"client": "strava-worker", "scope": "users:read"}
WEB_WRITE = {"client": "runnerly-web", "scope": "users:read users:write"}


@pytest.fixture
def prefs(client, token):
    """``prefs(runner)``: the preferences as the runner's own token reads them."""

    def get(whose: int, **who: Any) -> Any:
        headers = token(**who) if who else token(runner=whose)
        return client.get(f"/api/v1/users/{whose}/email-preferences", headers=headers)

    return get


def _patch(client, token, whose: int, body: Any, who: dict[str, Any] | None = None):
    headers = token(**who) if who else token(runner=whose)
    return client.patch(f"/api/v1/users/{whose}/email-preferences", json=body, headers=headers)


def _by_token(client, token, body: Any, who: dict[str, Any] | None = None):
    headers = token(**(who or WEB_WRITE))
    return client.post("/api/v1/email-preferences/by-token", json=body, headers=headers)


def _token_of(prefs, runner: int) -> str:
    response = prefs(runner, **WORKER_READ)
    assert response.status_code == 200, response.json
    return response.json["unsubscribe_token"]


class TestReading:
    def test_a_runner_who_never_chose_gets_the_report_on_the_first(self, prefs, runner):
        response = prefs(runner)
        assert response.status_code == 200, response.json
        assert response.json["monthly_report"] is True
        assert response.json["report_day"] == 1

    def test_the_runners_own_token_never_reads_the_unsubscribe_token(self, prefs, runner):
        assert "unsubscribe_token" not in prefs(runner).json

    def test_the_worker_reads_a_random_token_that_stays_until_rotated(
        self, prefs, runner, other_runner
    ):
        first = _token_of(prefs, runner)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first)  # 32 random bytes, URL-safe
        assert _token_of(prefs, runner) == first
        assert _token_of(prefs, other_runner) != first

    def test_another_runners_preferences_are_not_found(
        self, client, token, prefs, runner, other_runner
    ):
        assert prefs(other_runner, runner=runner).status_code == 404
        response = _patch(
            client, token, other_runner, {"monthly_report": False}, {"runner": runner}
        )
        assert response.status_code == 404
        assert prefs(other_runner, **WORKER_READ).json["monthly_report"] is True


class TestChanging:
    def test_a_runner_turns_the_report_off_and_picks_the_fifteenth(
        self, client, token, prefs, runner
    ):
        response = _patch(client, token, runner, {"monthly_report": False, "report_day": 15})
        assert response.status_code == 200, response.json
        assert prefs(runner).json | {"updated_at": None} == {
            "monthly_report": False,
            "report_day": 15,
            "updated_at": None,
        }

    @pytest.mark.parametrize("day", [0, 29, 31, "1", None])
    def test_a_day_not_in_every_month_is_refused_naming_the_field(
        self, client, token, prefs, runner, snapshot, day
    ):
        prefs(runner)  # the row exists: the refusal must leave it as it was
        before = snapshot()
        response = _patch(client, token, runner, {"report_day": day})
        assert response.status_code == 400
        assert "report_day" in response.json["message"]
        assert snapshot() == before

    @pytest.mark.parametrize(
        "body", [{}, {"unsubscribe_token": "mine"}, {"rotate_unsubscribe_token": False}]
    )
    def test_an_empty_or_unknown_change_is_refused(self, client, token, runner, body):
        assert _patch(client, token, runner, body).status_code == 400

    def test_a_rotated_token_stops_the_old_links_and_the_new_one_works(
        self, client, token, prefs, runner
    ):
        old = _token_of(prefs, runner)
        response = _patch(client, token, runner, {"rotate_unsubscribe_token": True})
        assert response.status_code == 200
        assert "unsubscribe_token" not in response.json  # the runner's token: not shown
        new = _token_of(prefs, runner)
        assert new != old
        assert _by_token(client, token, {"token": old, "monthly_report": False}).status_code == 404
        assert _by_token(client, token, {"token": new, "monthly_report": False}).status_code == 200
        assert prefs(runner).json["monthly_report"] is False


class TestByToken:
    def test_the_token_alone_switches_the_report_off_and_on_again(
        self, client, token, prefs, runner
    ):
        secret = _token_of(prefs, runner)
        off = _by_token(client, token, {"token": secret, "monthly_report": False})
        assert off.status_code == 200, off.json
        assert off.json["monthly_report"] is False
        assert "unsubscribe_token" not in off.json
        assert prefs(runner).json["monthly_report"] is False
        again = _by_token(client, token, {"token": secret, "monthly_report": False})
        assert again.status_code == 200 and again.json["monthly_report"] is False  # idempotent
        on = _by_token(client, token, {"token": secret, "monthly_report": True})
        assert on.json["monthly_report"] is True
        assert prefs(runner).json["monthly_report"] is True

    def test_reading_by_token_changes_nothing(self, client, token, prefs, runner, snapshot):
        secret = _token_of(prefs, runner)
        before = snapshot()
        response = _by_token(client, token, {"token": secret})
        assert response.status_code == 200
        assert response.json["monthly_report"] is True
        assert snapshot() == before

    @pytest.mark.parametrize("secret", ["nope", "x" * 64, "x" * 128])
    def test_an_unknown_token_is_not_found_and_changes_nothing(
        self, client, token, prefs, runner, snapshot, secret
    ):
        prefs(runner)
        before = snapshot()
        response = _by_token(client, token, {"token": secret, "monthly_report": False})
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
        assert snapshot() == before

    @pytest.mark.parametrize("secret", ["", "a\u0000b", "a b", "a'--", "%41"])
    def test_a_token_that_cannot_be_one_is_refused_naming_it(
        self, client, token, prefs, runner, snapshot, secret
    ):
        prefs(runner)
        before = snapshot()
        response = _by_token(client, token, {"token": secret, "monthly_report": False})
        assert response.status_code == 400
        assert "token" in response.json["message"]
        assert snapshot() == before

    def test_a_runners_token_cannot_use_another_runners_link(
        self, client, token, prefs, runner, other_runner
    ):
        secret = _token_of(prefs, other_runner)
        response = _by_token(
            client, token, {"token": secret, "monthly_report": False}, {"runner": runner}
        )
        assert response.status_code == 403
        assert prefs(other_runner, **WORKER_READ).json["monthly_report"] is True

    def test_the_worker_cannot_unsubscribe_anyone(self, client, token, prefs, runner):
        secret = _token_of(prefs, runner)
        response = _by_token(client, token, {"token": secret, "monthly_report": False}, WORKER_READ)
        assert response.status_code == 403  # users:read only
        assert prefs(runner).json["monthly_report"] is True

    def test_a_deleted_runners_link_is_gone_with_them(self, client, token, prefs, runner):
        secret = _token_of(prefs, runner)
        assert (
            client.delete(f"/api/v1/users/{runner}", headers=token(runner=runner)).status_code
            == 204
        )
        assert _by_token(client, token, {"token": secret}).status_code == 404


class TestListing:
    def test_the_worker_lists_who_wants_the_report_with_their_day_and_zone(
        self, client, token, make_runner
    ):
        default = make_runner(timezone="Europe/Paris")
        later = make_runner(timezone="America/Los_Angeles")
        off = make_runner()
        _patch(client, token, later, {"report_day": 20})
        _patch(client, token, off, {"monthly_report": False})
        response = client.get(
            "/api/v1/email-preferences",
            query_string={"monthly_report": "true"},
            headers=token(**WORKER_READ),
        )
        assert response.status_code == 200, response.json
        listed = {item["runner_id"]: item for item in response.json["items"]}
        assert off not in listed
        assert listed[default] == {
            "runner_id": default,
            "timezone": "Europe/Paris",
            "disabled": False,
            "monthly_report": True,
            "report_day": 1,
        }
        assert listed[later]["report_day"] == 20
        assert listed[later]["timezone"] == "America/Los_Angeles"
        everyone = client.get("/api/v1/email-preferences", headers=token(**WORKER_READ)).json
        assert {item["runner_id"] for item in everyone["items"]} >= {default, later, off}

    def test_a_runner_cannot_list_everyone(self, client, token, runner):
        assert (
            client.get("/api/v1/email-preferences", headers=token(runner=runner)).status_code == 403
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_first_read_while_another_process_writes_is_answered(app, client, token, runner):
    """The first read makes the runner's row. Made in the GET's read transaction, after
    another process (the worker importing a Strava export) committed a write, SQLite
    refused the insert at once ("database is locked", a 500 the worker retried)."""
    engine = app.extensions["runnerly.db"].engine
    path = engine.url.database

    def another_process_writes(conn, cursor, statement, *args: Any) -> None:
        if not statement.startswith("INSERT INTO email_preferences"):
            return
        other = sqlite3.connect(path, timeout=0.2)
        try:
            other.execute("CREATE TABLE IF NOT EXISTS lock_probe (x INTEGER)")
            other.execute("INSERT INTO lock_probe VALUES (1)")
            other.commit()
        except sqlite3.OperationalError:
            pass  # the request holds the write lock already: the other waits its turn
        finally:
            other.close()

    event.listen(engine, "before_cursor_execute", another_process_writes)
    try:
        response = client.get(
            f"/api/v1/users/{runner}/email-preferences", headers=token(runner=runner)
        )
    finally:
        event.remove(engine, "before_cursor_execute", another_process_writes)
    assert response.status_code == 200, response.json
    assert response.json["monthly_report"] is True
