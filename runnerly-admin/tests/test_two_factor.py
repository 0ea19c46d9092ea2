"""``runnerly two-factor reset``: a runner's two-factor sign-in removed through the
dataservice's admin facade, and the runner told by a mail queued for the worker."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from helpers import one_line
from sqlalchemy import func, select

from dataservice.two_factor.models import RecoveryCode, TwoFactor
from runnerly_common.tasks import DELIVER_MAIL
from runnerly_common.testing import free_port
from runnerly_common.two_factor_mail import RESET_SUBJECT


def _mails(broker):
    out = []
    for raw in broker.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == DELIVER_MAIL.name:
            out.append(json.loads(base64.b64decode(message["body"]))[1])
    return out


@pytest.fixture
def enrolled(dataservice_db, make_runner):
    """A runner with two-factor sign-in on (the secret is never read here)."""
    runner = make_runner(email="ada@example.org")
    with dataservice_db.transaction() as session:
        session.add(TwoFactor(runner_id=runner, secret="encrypted", enabled_at=datetime.now(UTC)))
        session.add(RecoveryCode(runner_id=runner, code_hash="0" * 64))
    return runner


def _rows(db, runner):
    return [
        db.scalar(select(func.count()).select_from(model).where(model.runner_id == runner))
        for model in (TwoFactor, RecoveryCode)
    ]


class TestReset:
    def test_it_is_removed_and_the_runner_is_emailed(self, runnerly, broker, db, enrolled):
        result = runnerly(
            "two-factor",
            "reset",
            "--email",
            "ADA@example.org",
            RUNNERLY_WEB_PUBLIC_URL="https://runnerly.example.org",
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {
            "id": enrolled,
            "email": "ada@example.org",
            "was_enabled": True,
            "runner_told": True,
        }
        assert _rows(db, enrolled) == [0, 0]
        [mail] = _mails(broker)
        assert (mail["to"], mail["subject"]) == ("ada@example.org", RESET_SUBJECT)
        assert "https://runnerly.example.org/profile" in mail["text"]
        assert mail["runner_id"] == enrolled  # the worker adds their unsubscribe

    def test_a_runner_without_it_is_not_emailed(self, runnerly, broker, runner):
        result = runnerly("two-factor", "reset", "--user", runner)
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert (out["was_enabled"], out["runner_told"]) == (False, False)
        assert _mails(broker) == []

    def test_no_email_is_sent_when_asked_not_to(self, runnerly, broker, db, enrolled):
        result = runnerly("two-factor", "reset", "--user", enrolled, "--no-email")
        assert result.exit_code == 0 and json.loads(result.stdout)["runner_told"] is False
        assert _rows(db, enrolled) == [0, 0]
        assert _mails(broker) == []

    def test_a_broker_that_is_down_still_resets_and_says_the_runner_was_not_told(
        self, runnerly, db, enrolled
    ):
        down = f"redis://127.0.0.1:{free_port()}/0"
        result = runnerly("two-factor", "reset", "--user", enrolled, STRAVA_WORKER_BROKER_URL=down)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["runner_told"] is False
        assert "the runner was not emailed" in result.stderr
        assert _rows(db, enrolled) == [0, 0]

    def test_an_unknown_runner_is_exit_1_naming_them(self, runnerly, snapshot):
        before = snapshot()
        result = runnerly("two-factor", "reset", "--email", "nobody@example.org")
        assert result.exit_code == 1
        assert "nobody@example.org" in one_line(result)
        assert snapshot() == before

    def test_the_runner_is_named_once(self, runnerly):
        assert runnerly("two-factor", "reset").exit_code == 2
