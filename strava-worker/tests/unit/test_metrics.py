"""The worker's series: one count per task execution, and figures read from the store."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from runnerly_common.settings import SettingsError
from runnerly_common.tasks import DRAIN_ATHLETE, HANDLE_EVENT, SYNC_RUNNER, TaskDef
from strava_worker import metrics
from strava_worker.budget import RateBudget, Windows
from strava_worker.settings import WorkerSettings
from strava_worker.sqlite_store import SqliteStore

WINDOWS = Windows(limit_short=100, limit_daily=1000)
NOW = 1_800_000_000 + 60


class BrokenStore:
    def usage(self, windows, now):
        raise OSError("disk gone")

    oldest_sync = usage


def scrape(collector: metrics.StoreCollector) -> dict:
    body, content_type = metrics.render(collector)
    assert content_type.startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


@pytest.fixture
def store(tmp_path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "budget.db"))


def collector_of(store, queue_length=lambda: 3) -> metrics.StoreCollector:
    return metrics.StoreCollector(lambda: store, WINDOWS, queue_length, clock=lambda: NOW)


def run(definition: TaskDef, state: str, retval: object, **kwargs: object) -> None:
    task = SimpleNamespace(name=definition.name)
    metrics.task_started(task_id="t1")
    metrics.task_finished(task_id="t1", task=task, state=state, retval=retval, kwargs=kwargs)


@pytest.mark.parametrize(
    ("state", "retval", "outcome"),
    [
        ("SUCCESS", {"status": "done", "pages": 3}, "done"),
        ("SUCCESS", {"status": "unknown athlete"}, "unknown_athlete"),
        ("SUCCESS", {"subscription": 1}, "ok"),
        ("SUCCESS", None, "ok"),
        ("RETRY", Exception("Retry in 5s"), "retry"),
        ("FAILURE", KeyError("boom"), "failure"),
    ],
)
def test_the_outcome_is_the_results_status_or_celerys_state(state, retval, outcome):
    assert metrics.outcome(state, retval) == outcome


def test_each_execution_counts_once_under_its_outcome_with_its_duration(store):
    key = ("strava_worker_tasks_total", frozenset({("task", "sync_runner"), ("outcome", "busy")}))
    duration = ("strava_worker_task_duration_seconds_count", frozenset({("task", "sync_runner")}))
    before = scrape(collector_of(store))
    run(SYNC_RUNNER, "SUCCESS", {"status": "busy"})
    run(SYNC_RUNNER, "SUCCESS", {"status": "busy"})
    after = scrape(collector_of(store))
    assert after[key] - before.get(key, 0) == 2
    assert after[duration] - before.get(duration, 0) == 2


def test_an_applied_webhook_event_observes_its_lag_from_stravas_event_time(store):
    lag = ("strava_worker_event_lag_seconds_bucket", frozenset({("le", "30.0")}))
    under_10 = ("strava_worker_event_lag_seconds_bucket", frozenset({("le", "10.0")}))
    before = scrape(collector_of(store))
    event = {"object_type": "activity", "event_time": int(time.time()) - 20}
    run(HANDLE_EVENT, "SUCCESS", {"status": "noted"}, event=event)  # only noted
    run(DRAIN_ATHLETE, "RETRY", Exception("busy"), athlete_id=3)  # not applied yet
    # The athlete's drain applied it: it reports the oldest event_time it settled.
    run(DRAIN_ATHLETE, "SUCCESS", {"status": "created", "event_time": event["event_time"]})
    after = scrape(collector_of(store))
    assert after[lag] - before[lag] == 1
    assert after[under_10] == before[under_10]


def test_the_budget_left_is_each_limit_less_what_was_spent(store):
    budget = RateBudget(store, WINDOWS, clock=lambda: NOW)
    for _ in range(3):
        budget.reserve()
    samples = scrape(collector_of(store))
    remaining = "strava_worker_strava_budget_remaining"
    assert samples[(remaining, frozenset({("window", "15min")}))] == 97
    assert samples[(remaining, frozenset({("window", "day")}))] == 997


def test_a_closed_window_shows_nothing_left_not_a_negative_number(store):
    RateBudget(store, WINDOWS, clock=lambda: NOW).exhausted({})
    samples = scrape(collector_of(store))
    assert samples[("strava_worker_strava_budget_remaining", frozenset({("window", "15min")}))] == 0


def test_the_sync_lag_is_the_age_of_the_least_recent_last_sync(store):
    assert scrape(collector_of(store))[("strava_worker_sync_lag_seconds", frozenset())] == 0
    store.record_sync(1, NOW - 30)
    store.record_sync(2, NOW - 900)
    assert scrape(collector_of(store))[("strava_worker_sync_lag_seconds", frozenset())] == 900


def test_the_queue_length_is_shown(store):
    assert scrape(collector_of(store))[("strava_worker_queue_length", frozenset())] == 3


def test_a_scrape_still_answers_when_the_store_and_broker_do_not(store):
    def broker_down() -> int:
        raise ConnectionError("refused")

    samples = scrape(collector_of(BrokenStore(), broker_down))
    names = {name for name, _ in samples}
    assert "strava_worker_sync_lag_seconds" not in names
    assert "strava_worker_queue_length" not in names
    assert "strava_worker_event_lag_seconds_count" in names  # the tasks' series still are


def test_metrics_are_served_on_5006_by_default_and_a_bad_port_is_refused_by_name():
    assert WorkerSettings.load(environ={}).metrics_port == 5006
    with pytest.raises(SettingsError, match="STRAVA_WORKER_METRICS_PORT"):
        WorkerSettings.load(environ={"STRAVA_WORKER_METRICS_PORT": "70000"})
