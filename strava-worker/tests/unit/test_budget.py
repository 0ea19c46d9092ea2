"""The rate budget: slots per aligned window, corrected by Strava's headers, closed by a 429."""

from __future__ import annotations

import pytest

from strava_worker.budget import OutOfBudget, RateBudget, Store, Windows
from strava_worker.sqlite_store import SqliteStore

from .conftest import Clock


@pytest.fixture
def budget(store: Store, clock: Clock) -> RateBudget:
    return RateBudget(store, Windows(3, 5), clock)


def test_a_runner_lock_is_held_once_and_released_by_its_owner_only(store):
    assert store.acquire("runner:1", "a", 60)
    assert not store.acquire("runner:1", "b", 60)
    store.release("runner:1", "b")
    assert not store.acquire("runner:1", "b", 60)
    store.release("runner:1", "a")
    assert store.acquire("runner:1", "b", 60)


def test_it_grants_the_short_limit_then_says_when_the_window_opens(budget, clock):
    for _ in range(3):
        budget.reserve()
    with pytest.raises(OutOfBudget) as spent:
        budget.reserve()
    assert spent.value.retry_at == 1_800_000_000 + 900  # :15, not "now + 15 minutes"
    assert not spent.value.daily


def test_it_grants_again_in_the_next_window_until_the_day_is_spent(budget, clock):
    for _ in range(3):
        budget.reserve()
    clock.now += 900
    budget.reserve()
    budget.reserve()
    with pytest.raises(OutOfBudget) as spent:
        budget.reserve()
    assert spent.value.daily
    assert spent.value.retry_at % 86400 == 0  # UTC midnight


def test_usage_headers_from_strava_raise_the_count(budget):
    budget.observe({"X-ReadRateLimit-Usage": "3,3", "X-RateLimit-Usage": "1,1"})
    with pytest.raises(OutOfBudget):
        budget.reserve()


def test_a_429_closes_the_window_even_if_we_counted_less(budget, clock):
    spent = budget.exhausted({"X-ReadRateLimit-Limit": "100,1000", "X-ReadRateLimit-Usage": "3,3"})
    assert spent.retry_at == 1_800_000_000 + 900
    with pytest.raises(OutOfBudget):
        budget.reserve()
    clock.now += 900
    budget.reserve()


def test_malformed_headers_are_ignored(budget):
    budget.observe({"X-ReadRateLimit-Usage": "lots"})
    budget.reserve()


def test_two_stores_on_one_file_share_the_budget(tmp_path, clock):
    path = str(tmp_path / "shared.db")
    one = RateBudget(SqliteStore(path), Windows(2, 10), clock)
    two = RateBudget(SqliteStore(path), Windows(2, 10), clock)
    one.reserve()
    two.reserve()
    with pytest.raises(OutOfBudget):
        one.reserve()
