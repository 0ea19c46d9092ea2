"""What /metrics reads from the shared store: the budget used so far and the last syncs."""

from __future__ import annotations

from strava_worker.budget import RateBudget, Windows

WINDOWS = Windows(limit_short=3, limit_daily=5)


class TestUsage:
    def test_it_is_zero_before_any_call(self, store, clock):
        assert store.usage(WINDOWS, clock.now) == (0, 0)

    def test_it_counts_each_reserved_slot_without_taking_one(self, store, clock):
        budget = RateBudget(store, WINDOWS, clock)
        budget.reserve()
        budget.reserve()
        assert store.usage(WINDOWS, clock.now) == (2, 2)
        assert store.usage(WINDOWS, clock.now) == (2, 2)
        budget.reserve()  # reading took nothing: the third slot is still there

    def test_the_short_window_starts_again_and_the_day_keeps_counting(self, store, clock):
        RateBudget(store, WINDOWS, clock).reserve()
        clock.now += 900
        assert store.usage(WINDOWS, clock.now) == (0, 1)

    def test_it_shows_stravas_usage_headers(self, store, clock):
        RateBudget(store, WINDOWS, clock).observe({"X-ReadRateLimit-Usage": "2,4"})
        assert store.usage(WINDOWS, clock.now) == (2, 4)


class TestLastSyncs:
    def test_there_is_no_oldest_sync_before_any(self, store):
        assert store.oldest_sync() is None

    def test_the_oldest_is_the_runner_synced_least_recently(self, store):
        store.record_sync(1, 1000.0)
        store.record_sync(2, 1500.0)
        store.record_sync(1, 2000.0)
        assert store.oldest_sync() == 1500.0

    def test_an_older_time_never_replaces_a_newer_one(self, store):
        store.record_sync(1, 2000.0)
        store.record_sync(1, 1000.0)
        assert store.oldest_sync() == 2000.0

    def test_a_forgotten_runner_no_longer_counts(self, store):
        store.record_sync(1, 1000.0)
        store.record_sync(2, 1500.0)
        store.forget_sync(1)
        assert store.oldest_sync() == 1500.0
        store.forget_sync(2)
        assert store.oldest_sync() is None

    def test_reconciling_keeps_only_the_runners_given(self, store):
        store.record_sync(1, 1000.0)  # unlinked meanwhile
        store.record_sync(2, 3000.0)  # synced after the dataservice's time was read
        store.reconcile_syncs({2: 2500.0, 3: 2000.0})
        assert store.oldest_sync() == 2000.0
        store.forget_sync(3)
        assert store.oldest_sync() == 3000.0

    def test_reconciling_with_no_runner_empties_it(self, store):
        store.record_sync(1, 1000.0)
        store.reconcile_syncs({})
        assert store.oldest_sync() is None
