"""Each runner's report on their chosen day, in their time zone: due from that day on, once
a month whatever the runner changes meanwhile, never while its task may still run."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from strava_worker import sqlite_store
from strava_worker.report_tasks import QUEUED_SECONDS, due_month, mark_sent, runners_due
from strava_worker.sqlite_store import SqliteStore

HOUR = 6


def at(day: int, month: int = 12, hour: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def runner(day: int = 1, zone: str = "UTC", runner_id: int = 7, **extra: object) -> dict:
    return {"runner_id": runner_id, "timezone": zone, "disabled": False, "report_day": day} | extra


@pytest.mark.parametrize(
    ("now", "zone", "day", "due"),
    [
        (at(1, hour=6), "UTC", 1, (2026, 11)),  # the day, at the hour
        (at(1, hour=5), "UTC", 1, None),  # the day, before the hour
        (at(14), "UTC", 15, None),
        (at(20), "UTC", 15, (2026, 11)),  # past the day: still due (made up)
        (at(1, month=1, hour=7), "UTC", 1, (2025, 12)),  # across the year
        # 1 December 02:00 UTC is 30 November in Los Angeles: November is not over there,
        # the report due is October's (sent long ago).
        (at(1, hour=2), "America/Los_Angeles", 1, (2026, 10)),
        # ... and 1 December 08:00 already in Auckland (UTC+13) at 19:00 UTC on the 30th.
        (at(30, month=11, hour=19), "Pacific/Auckland", 1, (2026, 11)),
        (at(20), "Not/AZone", 15, (2026, 11)),  # an unknown zone reads as UTC
    ],
)
def test_a_report_is_due_from_the_runners_day_and_hour_in_their_zone(now, zone, day, due):
    assert due_month(now, zone, day, HOUR) == due


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "store.db"))


def _round(store: SqliteStore, now: datetime, *runners: dict) -> list[tuple[int, int, int]]:
    return list(runners_due(store, runners, now, HOUR))


def test_a_day_moved_to_one_already_gone_this_month_sends_the_month_once(store):
    assert _round(store, at(10), runner(day=15)) == []  # not yet
    # On the 10th the runner picks the 5th: November's report goes out at the next round.
    assert _round(store, at(10, hour=13), runner(day=5)) == [(7, 2026, 11)]
    mark_sent(store, "report-sent:7:2026-11")  # the task sent it
    # Moved again, to the 20th: nothing more this month, on the 20th or after.
    assert _round(store, at(20, hour=13), runner(day=20)) == []
    assert _round(store, at(31, hour=23), runner(day=20)) == []
    # December's report on the 20th of January.
    assert _round(store, at(19, month=1, year=2027), runner(day=20)) == []
    assert _round(store, at(20, month=1, year=2027), runner(day=20)) == [(7, 2026, 12)]


def test_a_report_queued_is_not_queued_again_while_its_task_may_run(store, monkeypatch):
    assert _round(store, at(2), runner()) == [(7, 2026, 11)]
    assert _round(store, at(2, hour=13), runner()) == []  # not sent yet, but queued
    # QUEUED_SECONDS later (its task gave up on an SMTP server that was down, say) the
    # next round queues it once more.
    later = time.time() + QUEUED_SECONDS + 1
    monkeypatch.setattr(sqlite_store.time, "time", lambda: later)
    assert _round(store, at(2, hour=19), runner()) == [(7, 2026, 11)]


def test_a_month_sent_by_an_operators_rerun_is_not_queued_by_the_round(store):
    mark_sent(store, "report-sent:7:2026-11")
    assert _round(store, at(2), runner()) == []


def test_a_disabled_runner_is_not_queued(store):
    assert _round(store, at(2), runner(disabled=True)) == []


def test_each_runner_is_due_on_their_own_day(store):
    runners = [runner(1, runner_id=1), runner(15, runner_id=2), runner(28, runner_id=3)]
    assert _round(store, at(15, hour=7), *runners) == [(1, 2026, 11), (2, 2026, 11)]
