"""The daily reconciliation's checks (a stored run the listing no longer shows, an activity
set aside before its weeks) are asked within the lowest share of the budget; when the
syncs spent that share, they wait for the window to open, not for the next day."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from strava_worker import sync
from strava_worker.budget import OutOfBudget

NOW = datetime.now(UTC)
RUNAWAY = 1_320_000_991  # set aside for 1,168 hours, 40 days ago; cropped since


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


CORRECTED = {
    "id": RUNAWAY,
    "name": "Forgot to stop",
    "sport_type": "Run",
    "start_date": _iso(NOW - timedelta(days=40)),
    "distance": 10000.0,
    "moving_time": 3000,
    "elapsed_time": 3100,
}


class Dataservice:
    def __init__(self) -> None:
        self._link: dict[str, Any] = {
            "sync_state": "idle",
            "sync_cursor": (NOW - timedelta(hours=1)).isoformat(),
            "backfill_page": 1,
            "runs_imported": 100,
            "access_token": "tok",
            "expires_at": "2100-01-01T00:00:00+00:00",
            "reconciled_at": (NOW - timedelta(days=2)).isoformat(),
        }
        self.aside = [
            {
                "source": "strava",
                "external_id": str(RUNAWAY),
                "reason": "elapsed_time 4.2048e+06 s is outside what Runnerly stores",
                "start_time": (NOW - timedelta(days=40)).isoformat(),
                "title": "Forgot to stop",
                "seen_at": (NOW - timedelta(days=40)).isoformat(),
            }
        ]
        self.stored: list[dict[str, Any]] = []
        self.link_updates: list[dict[str, Any]] = []

    def link(self, user_id: int) -> dict[str, Any]:
        return dict(self._link)

    def update_link(self, user_id: int, **fields: Any) -> dict[str, Any]:
        self.link_updates.append(fields)
        self._link.update(fields)
        return dict(self._link)

    def upsert_runs(
        self, user_id: int, runs: Any, deleted: Any = (), set_aside: Any = ()
    ) -> dict[str, int]:
        self.stored.extend(runs)
        return {"created": len(runs), "updated": 0, "unchanged": 0, "deleted": len(deleted)}

    def strava_runs_since(self, user_id: int, since: datetime) -> list[dict[str, Any]]:
        return []  # every stored run of the weeks is in the listing

    def strava_set_aside(self, user_id: int) -> list[dict[str, Any]]:
        return self.aside


class Listing:
    def list_activities(self, token: str, **params: Any) -> list[dict[str, Any]]:
        return []


class Checks:
    """The reconciliation's client: no slot while ``open`` is False (the syncs spent its
    share of the window)."""

    def __init__(self) -> None:
        self.open = False
        self.asked: list[int] = []

    def get_activity(self, token: str, activity_id: int) -> dict[str, Any]:
        if not self.open:
            raise OutOfBudget(NOW.timestamp() + 20, daily=False)
        self.asked.append(activity_id)
        return CORRECTED


@pytest.fixture
def rt() -> Any:
    return SimpleNamespace(
        dataservice=Dataservice(),
        strava=Listing(),
        reconcile_strava=Checks(),
        runner_lock=lambda user_id: contextlib.nullcontext(),
        settings=SimpleNamespace(
            refresh_margin=600,
            per_page=200,
            max_pages_per_run=10,
            sync_lookback_hours=72,
            reconcile_days=30,
            reconcile_interval=86400,
            reconcile_checks=10,
        ),
    )


def test_checks_the_budget_stopped_are_asked_once_the_window_opens(rt: Any) -> None:
    first = sync.sync_runner(rt, 1)

    # Not "reconciled", and not put off a day: the task goes on with the checks.
    assert first["status"] == sync.MORE and "reconciled" not in first
    assert first["resume"] == {"check": [RUNAWAY]}
    assert not any("reconciled_at" in fields for fields in rt.dataservice.link_updates)
    assert rt.dataservice.link_updates[-1]["sync_state"] == "idle"

    with pytest.raises(OutOfBudget):  # the share is still spent: the task waits for it
        sync.sync_runner(rt, 1, first["resume"])

    rt.reconcile_strava.open = True
    done = sync.sync_runner(rt, 1, first["resume"])
    assert done["status"] == sync.DONE and done["reconciled"] is True
    assert rt.reconcile_strava.asked == [RUNAWAY]
    [run] = rt.dataservice.stored
    assert run["external_id"] == str(RUNAWAY) and run["elapsed_time"] == 3100
    assert "reconciled_at" in rt.dataservice.link_updates[-1]


def test_with_the_share_free_the_reconciliation_asks_and_is_done_in_one_run(rt: Any) -> None:
    rt.reconcile_strava.open = True

    result = sync.sync_runner(rt, 1)

    assert result["status"] == sync.DONE and result["reconciled"] is True
    assert rt.reconcile_strava.asked == [RUNAWAY]
    assert rt.dataservice.stored[0]["elapsed_time"] == 3100
    assert "reconciled_at" in rt.dataservice.link_updates[-1]
