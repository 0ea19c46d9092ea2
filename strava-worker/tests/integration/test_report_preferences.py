"""Beat's hourly round honours each runner's email preferences, end to end: the round
through the broker to a real worker, the runners' choices in a real dataservice, the mail
in an SMTP sink with its one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from runnerly_common.mailsink import MailSink
from runnerly_common.testing.services import Dataservice
from strava_worker.report_tasks import previous_month

from .helpers import Worker, delivered_to, wait_for
from .test_reports import (  # noqa: F401  (fixtures)
    _read,
    _trigger,
    ds_session,
    make_runner,
    sink,
    sink_port,
)

PUBLIC = "https://runnerly.example.org"


def _last_month_rows() -> list[tuple[Any, ...]]:
    """Two runs in the month before today's (UTC): what this round reports on."""
    year, month = previous_month(datetime.now(UTC).date())
    return [
        (f"{year:04d}-{month:02d}-05T07:00:00Z", "Easy", "Run", 8000.0, 2600, 30.0, {}),
        (f"{year:04d}-{month:02d}-12T07:00:00Z", "Long", "Run", 18000.0, 6300, 90.0, {}),
    ]


def _prefs(users_api: requests.Session, dataservice: Dataservice, runner: dict, **change: Any):
    path = f"{dataservice.api}/users/{runner['id']}/email-preferences"
    response = users_api.patch(path, json=change, timeout=10)
    assert response.status_code == 200, response.text


def test_the_round_mails_runners_who_want_the_report_with_one_click_headers_once(
    start_worker: Callable[..., Worker],
    sink: MailSink,  # noqa: F811
    make_runner: Callable[..., dict],  # noqa: F811
    users_api: requests.Session,
    dataservice: Dataservice,
):
    ann = make_runner("Ann", _last_month_rows())
    off = make_runner("Off", _last_month_rows())
    later = make_runner("Later", _last_month_rows())
    _prefs(users_api, dataservice, off, monthly_report=False)
    # Nobody's day is later than the 28th; today may be that day, so wait for "tomorrow"
    # only when there is one this month.
    today = datetime.now(UTC).day
    if today < 28:
        _prefs(users_api, dataservice, later, report_day=today + 1)
    worker = start_worker(
        smtp_host="127.0.0.1", smtp_port=str(sink.port), report_hour="0", public_url=PUBLIC
    )

    rounds = 0

    def round_done() -> None:
        nonlocal rounds
        rounds += 1
        _trigger()  # beat's round: no month given
        wait_for(lambda: worker.log().count("monthly reports: ") >= rounds, "a round", worker)

    round_done()
    [delivery] = wait_for(lambda: delivered_to(sink, ann["email"]), "Ann's report", worker)
    message, text, page = _read(delivery)
    [uri] = re.findall(r"<([^>]*)>", str(message["List-Unsubscribe"]))
    assert uri.startswith(f"{PUBLIC}/unsubscribe/")
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert f"Unsubscribe from it: {uri}" in text and f'href="{uri}"' in page
    assert f"See every run in Runnerly: {PUBLIC}/" in text

    # The round again (the next hour): Ann's month is sent, nobody else is due meanwhile.
    round_done()
    assert len(delivered_to(sink, ann["email"])) == 1
    assert delivered_to(sink, off["email"]) == []
    if today < 28:
        assert delivered_to(sink, later["email"]) == []
        # Moved to today, a day already come: the month's report at the next round.
        _prefs(users_api, dataservice, later, report_day=today)
        round_done()
        wait_for(lambda: delivered_to(sink, later["email"]), "Later's report", worker)

    # Turned on again after the day: the month's report comes once, at the next round.
    _prefs(users_api, dataservice, off, monthly_report=True)
    round_done()
    wait_for(lambda: delivered_to(sink, off["email"]), "the report of the runner back in", worker)
    round_done()
    assert len(delivered_to(sink, off["email"])) == 1
    assert len(delivered_to(sink, ann["email"])) == 1
    assert len(delivered_to(sink, later["email"])) == 1
