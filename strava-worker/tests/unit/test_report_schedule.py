"""When the monthly reports go out, which month they are about, and their once-only marker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import redis

from runnerly_common.settings import SettingsError
from runnerly_common.tasks import SEND_REPORT
from runnerly_common.testing import IN_CI
from strava_worker.budget import Store
from strava_worker.factory import make_celery
from strava_worker.redis_store import RedisStore
from strava_worker.report_tasks import already_sent, mark_sent, previous_month
from strava_worker.settings import WorkerSettings
from strava_worker.sqlite_store import SqliteStore


def _app(**settings: object):  # type: ignore[no-untyped-def]
    return make_celery(WorkerSettings.load(environ={}, broker_url="memory://", **settings))


def test_beat_looks_for_due_reports_every_hour():
    app = _app(report_hour=7)
    entry = app.conf.beat_schedule["monthly-reports"]
    schedule = entry["schedule"]
    assert schedule.minute == {0}
    assert schedule.hour == set(range(24))
    assert schedule.day_of_month == set(range(1, 32))
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks  # the worker knows the task beat names
    assert SEND_REPORT.name in app.tasks


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (date(2026, 11, 1), (2026, 10)),
        (date(2026, 1, 1), (2025, 12)),
        (date(2026, 3, 31), (2026, 2)),
    ],
)
def test_the_report_is_about_the_previous_calendar_month(today, month):
    assert previous_month(today) == month


@pytest.mark.parametrize(
    ("name", "value", "variable"),
    [
        ("smtp_security", "tls-please", "STRAVA_WORKER_SMTP_SECURITY"),
        ("report_hour", "24", "STRAVA_WORKER_REPORT_HOUR"),
    ],
)
def test_bad_mail_settings_stop_start_up_naming_the_variable(name, value, variable):
    with pytest.raises(SettingsError, match=variable):
        WorkerSettings.load(environ={f"STRAVA_WORKER_{name.upper()}": value})


def test_production_refuses_an_smtp_password_without_tls():
    environ = {
        "RUNNERLY_ENV": "production",
        "STRAVA_WORKER_REDIS_URL": "redis://127.0.0.1:6379/0",
        "STRAVA_WORKER_CLIENT_SECRET": "x",
        "STRAVA_WORKER_STRAVA_CLIENT_SECRET": "x",
        "STRAVA_WORKER_WEBHOOK_VERIFY_TOKEN": "x",
        "STRAVA_WORKER_SMTP_USER": "mailer",
    }
    with pytest.raises(SettingsError, match="STRAVA_WORKER_SMTP_SECURITY"):
        WorkerSettings.load(environ=environ)
    assert WorkerSettings.load(environ={**environ, "STRAVA_WORKER_SMTP_SECURITY": "starttls"})


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        yield SqliteStore(str(tmp_path / "store.db"))
        return
    url = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/12"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    prefix = f"test-{uuid.uuid4().hex}:"
    yield RedisStore(client, prefix=prefix)
    client.delete(*client.keys(f"{prefix}*") or ["-"])  # markers live 400 days otherwise


def test_a_month_marked_sent_stays_sent_and_looking_does_not_mark_it(store: Store):
    key = "report-sent:7:2026-10"
    assert not already_sent(store, key)
    assert not already_sent(store, key)  # looking twice leaves no trace
    assert mark_sent(store, key)
    assert already_sent(store, key)
    assert not mark_sent(store, key)  # the second confirmation changes nothing
    assert not already_sent(store, "report-sent:7:2026-11")


def test_a_month_not_over_in_the_runners_zone_is_not_sent_yet(tmp_path: Path):
    # Beat fans out on UTC's 1st; in Los Angeles it is still the last day of the month.
    from types import SimpleNamespace

    from strava_worker.report_tasks import _send_once

    user = {"id": 7, "email": "ann@example.org", "disabled": False}
    report = {"runs_count": 3, "in_progress": True}
    sent: list[object] = []
    rt = SimpleNamespace(
        store=SqliteStore(str(tmp_path / "store.db")),
        dataservice=SimpleNamespace(
            user=lambda _id: user,
            email_preferences=lambda _id: {"monthly_report": True, "unsubscribe_token": "t"},
            monthly_report=lambda *_args: report,
        ),
        settings=SimpleNamespace(smtp_from="r@example.org"),
    )
    assert _send_once(rt, 7, 2026, 10) == {"status": "month_not_over"}  # type: ignore[arg-type]
    assert not already_sent(rt.store, "report-sent:7:2026-10") and not sent
