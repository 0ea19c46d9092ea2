"""Webhook hints in the shared store: one drain per athlete at a time, nothing a real event
said lost behind forged ones, and the events' share of the Strava budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from strava_worker.budget import OutOfBudget
from strava_worker.hints import HINTS_MAX, Hints
from strava_worker.runtime import Runtime
from strava_worker.settings import WorkerSettings

CLAIM = 60


def test_the_first_hint_of_an_athlete_claims_the_drain_and_the_next_ones_wait(store):
    assert store.add_hint(1, 100, 10.0, CLAIM) is True
    assert store.add_hint(1, 101, 11.0, CLAIM) is False
    assert store.add_hint(1, None, 12.0, CLAIM) is False
    assert store.add_hint(2, 100, 10.0, CLAIM) is True  # another athlete, its own drain
    hints = store.peek_hints(1)
    assert hints.fresh == {100: 10.0, 101: 11.0}
    assert hints.deauth is not None


def test_an_activity_keeps_the_time_of_its_first_event(store):
    store.add_hint(1, 100, 10.0, CLAIM)
    store.add_hint(1, 100, 50.0, CLAIM)
    assert store.peek_hints(1).fresh == {100: 10.0}


def test_a_drain_that_finds_nothing_releases_the_athlete_and_the_next_hint_claims_again(store):
    store.add_hint(1, 100, 10.0, CLAIM)
    assert store.keep_claim(1, CLAIM) is True  # a hint waits: the drain goes on
    store.settle_hints(1, store.peek_hints(1), {})
    assert store.keep_claim(1, CLAIM) is False  # nothing waits: released
    assert store.add_hint(1, 101, 11.0, CLAIM) is True


def test_settling_forgets_what_was_handled_and_keeps_what_came_meanwhile(store):
    store.add_hint(1, 100, 10.0, CLAIM)
    store.add_hint(1, 101, 11.0, CLAIM)
    seen = store.peek_hints(1)
    store.add_hint(1, 102, 12.0, CLAIM)  # while the drain asked Strava
    store.settle_hints(1, seen, {101: 11.0})  # 101 was not on the page: fetch it alone
    assert store.peek_hints(1) == Hints({102: 12.0}, {101: 11.0}, None)


def test_a_deauthorization_after_the_drain_looked_is_not_forgotten(store):
    store.add_hint(1, None, 10.0, CLAIM)
    seen = store.peek_hints(1)  # forged, say: the drain finds the tokens working
    store.add_hint(1, None, 11.0, CLAIM)  # the real one arrives meanwhile
    store.settle_hints(1, seen, {})
    assert store.peek_hints(1).deauth is not None
    store.settle_hints(1, store.peek_hints(1), {})
    assert store.peek_hints(1).deauth is None


def test_a_flood_is_capped_and_a_deauthorization_still_gets_in(store):
    for activity in range(HINTS_MAX + 20):
        store.add_hint(1, activity, 1.0, CLAIM)
    store.add_hint(1, None, 2.0, CLAIM)
    hints = store.peek_hints(1)
    assert len(hints.fresh) == HINTS_MAX
    assert hints.deauth is not None


def test_clearing_forgets_everything_and_releases_the_athlete(store):
    store.add_hint(1, 100, 10.0, CLAIM)
    store.add_hint(1, None, 10.0, CLAIM)
    store.clear_hints(1)
    assert not store.peek_hints(1)
    assert store.add_hint(1, 101, 11.0, CLAIM) is True


def test_the_subscription_id_is_kept(store):
    assert store.subscription_id() is None
    store.set_subscription_id(4242)
    assert store.subscription_id() == 4242


def test_event_drains_stop_at_their_share_of_the_budget_and_syncs_keep_the_rest(
    tmp_path: Path,
):
    settings = WorkerSettings.load(
        environ={},
        env="test",
        budget_path=str(tmp_path / "budget.db"),
        rate_limit_15min=10,
        event_budget_percent=50,
    )
    rt = Runtime(settings)
    for _ in range(5):
        rt.event_strava.budget.reserve()
    with pytest.raises(OutOfBudget):
        rt.event_strava.budget.reserve()
    for _ in range(5):  # the same counters: the syncs still have their half
        rt.budget.reserve()
    with pytest.raises(OutOfBudget):
        rt.budget.reserve()
