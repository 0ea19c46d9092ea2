"""The monthly report email, end to end: runs in the dataservice, ``send_monthly_reports``
through the broker to a real worker, the mail in an SMTP sink — once.

The month is January 2016 (against December 2015): no strava-sim athlete of the other tests
ran then, and the comparison crosses a year.  Every expected figure is computed here from
the runs this test inserts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import requests
from celery import Celery

from runnerly_common.mailsink import Delivery, MailSink
from runnerly_common.service_client import ServiceTokenClient
from runnerly_common.tasks import SEND_MONTHLY_REPORTS
from runnerly_common.testing import free_port
from runnerly_common.testing.services import Dataservice

from .conftest import BROKER
from .helpers import Worker, delivered_to, wait_for

YEAR, MONTH = 2016, 1
# (start, title, sport, metres, moving s, elevation m, {record distance: seconds})
DECEMBER = [
    ("2015-12-03T07:00:00Z", "Easy", "Run", 7300.0, 2300, 40.0, {5000: 1500.0}),
    ("2015-12-12T09:00:00Z", "Trail", "TrailRun", 12800.0, 4700, 310.0, {}),
    ("2015-12-31T23:59:00Z", "Last of the year", "Run", 6200.0, 1900, 12.0, {}),
]
JANUARY = [
    ("2016-01-01T00:05:00Z", "New year", "Run", 8600.0, 2580, 55.0, {5000: 1440.0, 1000: 250.0}),
    ("2016-01-09T08:00:00Z", "Hills & <intervals>", "Run", 15500.0, 5400, 420.0, {}),
    ("2016-01-17T18:00:00Z", "Treadmill", "VirtualRun", 6200.0, 1760, 0.0, {}),
    ("2016-01-31T23:30:00Z", "Month end", "TrailRun", 7300.0, 2450, 180.0, {}),
]
NOT_COUNTED = [  # a ride, and a run just after the month (UTC)
    ("2016-01-20T10:00:00Z", "Commute", "Ride", 30000.0, 4000, 100.0, {}),
    ("2016-02-01T00:00:00Z", "February", "Run", 9100.0, 2700, 20.0, {}),
]


def _as_runs(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [
        {
            "source": "manual",
            "external_id": f"report-{uuid.uuid4().hex[:12]}",
            "start_time": start,
            "title": title,
            "sport_type": sport,
            "distance": metres,
            "moving_time": moving,
            "elapsed_time": moving + 90,
            "elevation_gain": elevation,
            "best_efforts": [{"distance": d, "elapsed_time": t} for d, t in efforts.items()],
        }
        for start, title, sport, metres, moving, elevation, efforts in rows
    ]


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@pytest.fixture
def ds_session(worker_env: dict) -> requests.Session:
    """The worker's own client, as the tests' runner fixture uses it."""
    return ServiceTokenClient(
        worker_env["STRAVA_WORKER_TOKEN_URL"],
        worker_env["STRAVA_WORKER_CLIENT_ID"],
        worker_env["STRAVA_WORKER_CLIENT_SECRET"],
        audience="dataservice",
        scope="users:read runs:read runs:write reports:read",
    ).authorized_session()


@pytest.fixture
def make_runner(
    make_user: Callable[..., int], dataservice: Dataservice, ds_session: requests.Session
) -> Callable[..., dict]:
    """A runner with these runs, created through the dataservice's bulk endpoint."""

    def make(first_name: str, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
        email = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
        user_id = make_user(email, first_name=first_name)
        response = ds_session.post(
            f"{dataservice.api}/users/{user_id}/runs/batch",
            json={"runs": _as_runs(rows)},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.json()["created"] == len(rows)
        return {"id": user_id, "email": email, "first_name": first_name}

    return make


@pytest.fixture
def sink_port() -> int:
    return free_port()


@pytest.fixture
def sink(tmp_path: Path, sink_port: int) -> Iterator[MailSink]:
    with MailSink(tmp_path / "mail", port=sink_port) as running:
        yield running


def _trigger(**kwargs: Any) -> None:
    app = Celery(broker=BROKER)
    try:
        SEND_MONTHLY_REPORTS.send(app, kwargs)
    finally:
        app.close()


def _read(delivery: Delivery) -> tuple[EmailMessage, str, str]:
    message = message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
    return (
        message,
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def _row(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(label + "  "))
    return [cell.strip() for cell in line[len(label) :].split("  ") if cell.strip()]


def _sums(rows: list[tuple[Any, ...]]) -> tuple[int, float, int, float]:
    return len(rows), sum(r[3] for r in rows), sum(r[4] for r in rows), sum(r[5] for r in rows)


def test_the_monthly_report_reaches_the_sink_once_with_the_months_totals(
    start_worker: Callable[..., Worker], sink: MailSink, make_runner: Callable[..., dict]
):
    ann = make_runner("Ann", DECEMBER + JANUARY + NOT_COUNTED)
    idle = make_runner("Idle", DECEMBER)  # ran in December only: no January mail
    worker = start_worker(smtp_host="127.0.0.1", smtp_port=str(sink.port))

    _trigger(year=YEAR, month=MONTH)
    [delivery] = wait_for(lambda: delivered_to(sink, ann["email"]), "Ann's report", worker)
    message, text, page = _read(delivery)

    assert delivery.rcpt_tos == (ann["email"],)
    assert message["To"].addresses[0].addr_spec == ann["email"]
    assert message["Subject"] == "Your running in January 2016"
    count, metres, moving, climb = _sums(JANUARY)
    before_count, before_metres, before_moving, before_climb = _sums(DECEMBER)
    pace, before_pace = moving * 1000 / metres, before_moving * 1000 / before_metres
    minutes, before_minutes = round(moving / 60), round(before_moving / 60)
    assert _row(text, "Runs") == [
        str(count),
        str(before_count),
        f"{count - before_count:+d} ({(count - before_count) * 100 / before_count:+.1f}%)",
    ]
    added = metres - before_metres
    assert _row(text, "Distance") == [
        f"{metres / 1000:.1f} km",
        f"{before_metres / 1000:.1f} km",
        f"{'+' if added > 0 else '-'}{abs(added) / 1000:.1f} km"
        f" ({added * 100 / before_metres:+.1f}%)",
    ]
    assert _row(text, "Moving time")[:2] == [
        f"{minutes // 60} h {minutes % 60:02d} min",
        f"{before_minutes // 60} h {before_minutes % 60:02d} min",
    ]
    assert _row(text, "Elevation gain")[:2] == [f"{climb:,.0f} m", f"{before_climb:,.0f} m"]
    faster = "faster" if pace < before_pace else "slower"
    assert _row(text, "Average pace") == [
        f"{_clock(pace)} /km",
        f"{_clock(before_pace)} /km",
        f"{_clock(abs(round(pace, 1) - round(before_pace, 1)))} /km {faster}",
    ]
    # Records: January's 5 km beat December's.
    five, before_five, one = JANUARY[0][6][5000], DECEMBER[0][6][5000], JANUARY[0][6][1000]
    assert (
        f"5 km: {_clock(five)} ({_clock(five / 5)} /km), “New year” on 1 January; "
        f"{_clock(before_five - five)} faster than your previous best, {_clock(before_five)}"
    ) in text
    # December's 5 km held its 1 km at its pace (decision 28): January's beat it.
    assert f"1 km: {_clock(one)} ({_clock(one)} /km), “New year” on 1 January; " in text
    longest = max(JANUARY, key=lambda r: r[3])
    assert f"Longest run: “{longest[1]}”, {longest[3] / 1000:.1f} km" in text
    assert "Hills &amp; &lt;intervals&gt;" in page and "<intervals>" not in page

    # Triggered again (a re-run of beat's task, a redelivery): nothing more is sent.
    _trigger(year=YEAR, month=MONTH)
    wait_for(
        lambda: f"report 2016-01 of runner {ann['id']}: already_sent" in worker.log(),
        "the second round",
        worker,
    )
    assert len(delivered_to(sink, ann["email"])) == 1
    assert f"report 2016-01 of runner {idle['id']}: no_runs" in worker.log()
    assert delivered_to(sink, idle["email"]) == []


def test_a_report_the_smtp_server_could_not_take_is_retried_and_sent_once(
    start_worker: Callable[..., Worker],
    make_runner: Callable[..., dict],
    tmp_path: Path,
    sink_port: int,
):
    bo = make_runner("Bo", DECEMBER + JANUARY)
    worker = start_worker(smtp_host="127.0.0.1", smtp_port=str(sink_port))
    _trigger(year=YEAR, month=MONTH)  # nothing listens on the SMTP port yet
    wait_for(
        lambda: f"report 2016-01 of runner {bo['id']}: SMTP server" in worker.log(),
        "a failed attempt",
        worker,
    )
    with MailSink(tmp_path / "late-mail", port=sink_port) as sink:
        wait_for(lambda: delivered_to(sink, bo["email"]), "the retried report", worker)
        _trigger(year=YEAR, month=MONTH)
        wait_for(
            lambda: f"report 2016-01 of runner {bo['id']}: already_sent" in worker.log(),
            "the second round",
            worker,
        )
        assert len(delivered_to(sink, bo["email"])) == 1
