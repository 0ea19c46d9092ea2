"""``runnerly sync``: the worker's task, as runnerly_common.tasks defines it, on the worker's
Redis broker."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from helpers import one_line

from dataservice.set_aside import service
from dataservice.strava import service as strava
from dataservice.strava.crypto import TokenCipher
from runnerly_common.tasks import SYNC_ALL, SYNC_RUNNER
from runnerly_common.testing import free_port


def _messages(broker):
    """(task name, kwargs) of each message on the queue, as the worker will decode them."""
    out = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        out.append((message["headers"]["task"], kwargs))
    return out


@pytest.fixture
def link(dataservice_db, strava_keys):
    """``link(runner, sync_state="pending")``: the runner linked to a Strava athlete."""

    def make(runner, athlete_id=None, **sync):
        with dataservice_db.transaction() as session:
            row, _ = strava.put_link(
                session,
                TokenCipher(strava_keys),
                runner,
                {
                    "athlete_id": athlete_id or 1000 + runner,
                    "access_token": "access",
                    "refresh_token": "refresh",
                    "expires_at": datetime(2030, 1, 1, tzinfo=UTC),
                },
            )
            for field, value in sync.items():
                setattr(row, field, value)

    return make


class TestSync:
    @pytest.mark.parametrize("by", ["--user", "--email"])
    def test_a_linked_runners_sync_is_queued_for_the_worker(
        self, runnerly, broker, make_runner, link, by
    ):
        runner = make_runner(email="ada@example.org")
        link(runner)
        result = runnerly("sync", by, runner if by == "--user" else "ada@example.org")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {
            "queued": SYNC_RUNNER.name,
            "kwargs": {"user_id": runner},
        }
        assert _messages(broker) == [(SYNC_RUNNER.name, {"user_id": runner})]

    def test_all_queues_the_workers_round(self, runnerly, broker):
        result = runnerly("sync", "--all")
        assert result.exit_code == 0, result.output
        assert _messages(broker) == [(SYNC_ALL.name, {})]

    def test_a_runner_without_strava_is_exit_1_and_nothing_is_queued(
        self, runnerly, broker, runner
    ):
        result = runnerly("sync", "--user", runner)
        assert result.exit_code == 1
        assert "has not linked Strava" in one_line(result)
        assert _messages(broker) == []

    def test_a_runner_who_revoked_access_is_exit_1(self, runnerly, broker, runner, link):
        link(runner, sync_state="deauthorized")
        result = runnerly("sync", "--user", runner)
        assert result.exit_code == 1
        assert "revoked" in one_line(result)
        assert _messages(broker) == []

    @pytest.mark.parametrize(
        "args", [("--user", "999"), ("--email", "nobody@example.org")], ids=["id", "email"]
    )
    def test_an_unknown_runner_is_exit_1(self, runnerly, broker, args):
        result = runnerly("sync", *args)
        assert result.exit_code == 1
        assert "not found" in one_line(result)
        assert _messages(broker) == []

    def test_an_unreachable_broker_is_one_line_and_exit_1(self, runnerly):
        address = f"redis://127.0.0.1:{free_port()}/0"
        result = runnerly("sync", "--all", STRAVA_WORKER_BROKER_URL=address)
        assert result.exit_code == 1
        line = one_line(result)
        assert "broker" in line and address in line

    @pytest.mark.parametrize(
        "args", [(), ("--all", "--user", "1"), ("--user", "1", "--email", "a@b.org")]
    )
    def test_naming_no_runner_or_two_ways_is_a_usage_error(self, runnerly, args):
        result = runnerly("sync", *args)
        assert result.exit_code == 2
        assert "--user ID, --email ADDRESS or --all" in result.stderr


@pytest.fixture
def set_aside(dataservice_db):
    """``set_aside(runner, "123", reason=...)``: activities a sync could not import."""

    def record(runner, *external_ids, source="strava", reason="elapsed_time out of range"):
        with dataservice_db.transaction() as session:
            service.record(
                session,
                runner,
                (),
                [
                    {
                        "source": source,
                        "external_id": external_id,
                        "reason": reason,
                        "start_time": datetime(2026, 10, 4, 6, 30, tzinfo=UTC),
                        "title": f"Run {external_id}",
                    }
                    for external_id in external_ids
                ],
            )

    return record


class TestReconnect:
    def test_a_runner_whose_link_strava_refused_is_exit_1_and_nothing_is_queued(
        self, runnerly, broker, runner, link
    ):
        link(runner, sync_state="reconnect", sync_error="Strava answered 400 invalid_grant")
        result = runnerly("sync", "--user", runner)
        assert result.exit_code == 1
        line = one_line(result)
        assert "must connect Strava again" in line
        assert "Strava answered 400 invalid_grant" in line
        assert _messages(broker) == []


class TestSetAside:
    @pytest.mark.parametrize("by", ["--user", "--email"])
    def test_one_runners_activities_with_reason_and_strava_link(
        self, runnerly, make_runner, link, set_aside, by
    ):
        runner = make_runner(email="ada@example.org")
        link(runner, sync_state="idle")
        set_aside(runner, "12345678901")
        set_aside(runner, "f-1", source="file", reason="odd file")
        result = runnerly("sync", "set-aside", by, runner if by == "--user" else "ada@example.org")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["total"] == 2
        (entry,) = report["runners"]
        assert {k: entry[k] for k in ("user_id", "email", "strava_state", "count")} == {
            "user_id": runner,
            "email": "ada@example.org",
            "strava_state": "idle",
            "count": 2,
        }
        newest, strava_one = entry["items"]
        assert (newest["source"], newest["url"]) == ("file", None)
        assert strava_one == {
            "source": "strava",
            "external_id": "12345678901",
            "reason": "elapsed_time out of range",
            "start_time": "2026-10-04T06:30:00+00:00",
            "title": "Run 12345678901",
            "seen_at": strava_one["seen_at"],
            "url": "https://www.strava.com/activities/12345678901",
        }

    def test_a_runner_with_none_is_an_empty_list(self, runnerly, runner):
        result = runnerly("sync", "set-aside", "--user", runner)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["runners"][0]["items"] == []
        assert json.loads(result.stdout)["runners"][0]["strava_state"] is None

    def test_all_names_every_runner_with_some_and_only_them(self, runnerly, make_runner, set_aside):
        first, _none, third = make_runner(), make_runner(), make_runner()
        set_aside(first, "1", "2")
        set_aside(third, "3")
        result = runnerly("sync", "set-aside", "--all")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["total"] == 3
        assert [(r["user_id"], r["count"]) for r in report["runners"]] == [(first, 2), (third, 1)]

    def test_an_unknown_runner_is_exit_1(self, runnerly):
        result = runnerly("sync", "set-aside", "--user", "999")
        assert result.exit_code == 1
        assert "not found" in one_line(result)

    @pytest.mark.parametrize(
        "args",
        [
            ("set-aside",),
            ("set-aside", "--all", "--user", "1"),
            ("--user", "1", "set-aside", "--all"),
        ],
        ids=["nobody", "two-ways", "options-before"],
    )
    def test_naming_no_runner_or_two_ways_is_a_usage_error(self, runnerly, args):
        result = runnerly("sync", *args)
        assert result.exit_code == 2
