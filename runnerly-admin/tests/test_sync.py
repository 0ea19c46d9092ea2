"""``runnerly sync``: the worker's task, by name, on the worker's Redis broker."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from helpers import one_line

from dataservice.strava import service as strava
from dataservice.strava.crypto import TokenCipher
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
            "queued": "strava_worker.tasks.sync_runner",
            "kwargs": {"user_id": runner},
        }
        assert _messages(broker) == [("strava_worker.tasks.sync_runner", {"user_id": runner})]

    def test_all_queues_the_workers_round(self, runnerly, broker):
        result = runnerly("sync", "--all")
        assert result.exit_code == 0, result.output
        assert _messages(broker) == [("strava_worker.tasks.sync_all", {})]

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
